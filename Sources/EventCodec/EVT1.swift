/// The binary event layout of golden/README.md: a 16-byte header (`EVT1`, u32 version = 1, u32 n,
/// u32 d) and n records of 24 + 4d bytes, all little-endian: u64 event_id, i64 ts_ms, u16 cohort
/// index, u8 label, u8 pad, f32 score, f32[d] embedding. A Kafka message carries n = 1.
///
/// Conventions for what the layout cannot say (the golden files use none of them: their labels are
/// all 0 or 1, their scores all finite, their ts all real):
/// - label 255 (`noLabel`) means "no inline feedback"; values other than 0, 1, 255 are refused.
/// - a NaN score means "no score" (±∞ is still `non_finite`); d = 0 means "no embedding".
/// - ts_ms = Int64.min means "no timestamp": the Kafka message timestamp is used.
/// - the pad byte is reserved and ignored.
public enum EVT1 {
    /// The four magic bytes `EVT1`.
    public static let magic: [UInt8] = [0x45, 0x56, 0x54, 0x31]
    /// The only version this code reads and writes.
    public static let version: UInt32 = 1
    /// Bytes before the first record.
    public static let headerSize = 16
    /// The label byte of a record without inline feedback.
    public static let noLabel: UInt8 = 255
    /// The ts_ms of a record without a timestamp.
    public static let noTimestamp = Int64.min

    /// Bytes of one record with `d` embedding dimensions.
    public static func recordSize(dimensions d: Int) -> Int { 24 + 4 * d }

    /// One record's fields as stored (no model, no cohort name: those come from the Kafka key).
    public struct Record: Sendable, Equatable {
        public var eventID: UInt64
        public var timestampMs: Int64
        public var cohortIndex: UInt16
        public var label: UInt8
        public var score: Float
        public var embedding: [Float]

        /// A record with every field given.
        public init(eventID: UInt64, timestampMs: Int64, cohortIndex: UInt16, label: UInt8, score: Float, embedding: [Float]) {
            self.eventID = eventID
            self.timestampMs = timestampMs
            self.cohortIndex = cohortIndex
            self.label = label
            self.score = score
            self.embedding = embedding
        }
    }

    /// What is wrong with a header.
    struct HeaderError: Error {
        var message: String
    }

    /// Record count and dimension of a header, or what is wrong with it.
    static func header(_ p: UnsafeRawBufferPointer) -> Result<(n: Int, d: Int), HeaderError> {
        guard p.count >= headerSize else { return .failure(HeaderError(message: "truncated header: \(p.count) of \(headerSize) bytes")) }
        guard p[0] == magic[0], p[1] == magic[1], p[2] == magic[2], p[3] == magic[3] else {
            return .failure(HeaderError(message: "magic is not EVT1"))
        }
        let v = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        guard v == version else { return .failure(HeaderError(message: "version \(v), expected \(version)")) }
        let n = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        let d = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        return .success((n, d))
    }

    /// The record at `offset` (the caller checked that 24 + 4d bytes are there).
    static func record(_ p: UnsafeRawBufferPointer, at offset: Int, d: Int) -> Record {
        let embedding = [Float](unsafeUninitializedCapacity: d) { buffer, initialized in
            if d > 0 {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: p.baseAddress! + offset + 24, byteCount: 4 * d)
            }
            #if _endian(big)
            for i in 0..<d { buffer[i] = Float(bitPattern: UInt32(littleEndian: buffer[i].bitPattern)) }
            #endif
            initialized = d
        }
        return Record(
            eventID: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
            timestampMs: Int64(littleEndian: p.loadUnaligned(fromByteOffset: offset + 8, as: Int64.self)),
            cohortIndex: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset + 16, as: UInt16.self)),
            label: p[offset + 18],
            score: Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset + 20, as: UInt32.self))),
            embedding: embedding)
    }

    /// Appends a header for `n` records of dimension `d`.
    public static func appendHeader(n: Int, d: Int, to out: inout [UInt8]) {
        out += magic
        for v in [version, UInt32(n), UInt32(d)] { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    }

    /// Appends `record` (its embedding length is the file's d).
    public static func append(_ record: Record, to out: inout [UInt8]) {
        withUnsafeBytes(of: record.eventID.littleEndian) { out += $0 }
        withUnsafeBytes(of: record.timestampMs.littleEndian) { out += $0 }
        withUnsafeBytes(of: record.cohortIndex.littleEndian) { out += $0 }
        out += [record.label, 0]
        withUnsafeBytes(of: record.score.bitPattern.littleEndian) { out += $0 }
        for v in record.embedding { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
    }

    /// A Kafka message value: header with n = 1 and `record`.
    public static func message(_ record: Record) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(headerSize + recordSize(dimensions: record.embedding.count))
        appendHeader(n: 1, d: record.embedding.count, to: &out)
        append(record, to: &out)
        return out
    }

    /// Index of the first NaN or ±∞ in `values` (exponent bits all ones).
    static func firstNonFinite(_ values: [Float]) -> Int? {
        values.withUnsafeBufferPointer { b in
            // A branch-free pass (vectorizes) first; the index is searched only when there is one.
            var any: UInt32 = 0
            for v in b { any |= (v.bitPattern & 0x7F80_0000) &+ 0x0080_0000 }
            guard any & 0x8000_0000 != 0 else { return nil }
            for i in b.indices where b[i].bitPattern & 0x7F80_0000 == 0x7F80_0000 { return i }
            return nil
        }
    }
}

import Foundation

/// Embedding events read from JSONL or `.events.bin` (golden/README.md): the embedding matrix plus
/// the per-row score, cohort and label when present.
public struct EventRecords: Sendable {
    public let dimensions: Int
    /// Row-major embeddings, one row per event.
    public let values: [Float]
    public let eventIDs: [String]
    public let scores: [Double?]
    public let cohorts: [String?]
    public let labels: [Int?]

    public var count: Int { eventIDs.count }

    /// The embeddings as a matrix.
    public func embeddings() throws(EstimatorError) -> Matrix {
        try Matrix(rows: count, cols: dimensions, values: values)
    }

    private struct JSONEvent: Decodable {
        let event_id: String?
        let cohort: String?
        let label: Int?
        let score: Double?
        let embedding: [Float]?
        let embedding_b64: String?
    }

    /// One JSON object per line; `embedding` (numbers) or `embedding_b64` (base64 LE float32).
    /// Blank lines are skipped; errors name the 1-based line.
    public static func decodeJSONLines(_ data: Data) throws(EstimatorError) -> EventRecords {
        var values = [Float](), ids = [String](), scores = [Double?](), cohorts = [String?](), labels = [Int?]()
        var d: Int?
        let decoder = JSONDecoder()
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            let event: JSONEvent
            do { event = try decoder.decode(JSONEvent.self, from: Data(line)) } catch {
                throw EstimatorError(.unreadable, "line \(lineNumber): not a JSON event (\(error))")
            }
            var row: [Float]
            if let e = event.embedding {
                row = e
            } else if let b = event.embedding_b64 {
                guard let raw = Data(base64Encoded: b), raw.count % 4 == 0 else {
                    throw EstimatorError(.unreadable, "line \(lineNumber): embedding_b64 is not base64 of float32 values")
                }
                row = LittleEndian.floats([UInt8](raw), offset: 0, count: raw.count / 4)
            } else {
                throw EstimatorError(.unreadable, "line \(lineNumber): event has neither embedding nor embedding_b64")
            }
            if d == nil { d = row.count }
            guard row.count == d, !row.isEmpty else {
                throw EstimatorError(.shapeMismatch, "line \(lineNumber): embedding has \(row.count) dimensions, expected \(d ?? 0)")
            }
            values.append(contentsOf: row)
            ids.append(event.event_id ?? "")
            scores.append(event.score)
            cohorts.append(event.cohort)
            labels.append(event.label)
        }
        guard let dims = d else { throw EstimatorError(.tooFewRows, "no events") }
        return EventRecords(dimensions: dims, values: values, eventIDs: ids, scores: scores, cohorts: cohorts, labels: labels)
    }

    /// `EVT1`, u32 version 1, u32 n, u32 d, then n records of 24 + 4d bytes
    /// (u64 id, i64 ts_ms, u16 cohort, u8 label, u8 pad, f32 score, f32[d]).
    public static func decodeBinary(_ data: Data) throws(EstimatorError) -> EventRecords {
        let b = [UInt8](data)
        guard b.count >= 16 else { throw EstimatorError(.truncated, "events.bin header needs 16 bytes, file has \(b.count)") }
        guard b[0..<4] == [0x45, 0x56, 0x54, 0x31] else { throw EstimatorError(.unsupportedFormat, "not an events.bin file (magic is not EVT1)") }
        let version = LittleEndian.u32(b, 4), n = Int(LittleEndian.u32(b, 8)), d = Int(LittleEndian.u32(b, 12))
        guard version == 1 else { throw EstimatorError(.unsupportedFormat, "events.bin version \(version) (only 1 is read)") }
        guard d > 0 else { throw EstimatorError(.shapeMismatch, "events.bin with 0 dimensions") }
        let record = 24 + 4 * d
        guard b.count >= 16 + n * record else {
            throw EstimatorError(.truncated, "events.bin header says \(n) records of \(record) bytes, file has \(b.count - 16) bytes of records")
        }
        var values = [Float](repeating: 0, count: n * d)
        var ids = [String](), scores = [Double?](), cohorts = [String?](), labels = [Int?]()
        ids.reserveCapacity(n)
        for i in 0..<n {
            let o = 16 + i * record
            ids.append(String(LittleEndian.u64(b, o)))
            cohorts.append("c\(Int(b[o + 16]) | Int(b[o + 17]) << 8)")
            labels.append(Int(b[o + 18]))
            scores.append(Double(Float(bitPattern: LittleEndian.u32(b, o + 20))))
            let row = LittleEndian.floats(b, offset: o + 24, count: d)
            for c in 0..<d { values[i * d + c] = row[c] }
        }
        return EventRecords(dimensions: d, values: values, eventIDs: ids, scores: scores, cohorts: cohorts, labels: labels)
    }
}

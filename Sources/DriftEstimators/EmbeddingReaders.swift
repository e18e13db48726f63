import Foundation

/// Readers of the matrix file formats of golden/README.md: `.npy` and `.f32bin`. (Event files,
/// `.jsonl` and `.events.bin`, are read by EventCodec's `EventFileReader`, with the same validation
/// as Kafka ingest.) Every malformed or truncated input becomes a typed `EstimatorError`.
public enum EmbeddingReader {
    /// Reads a matrix from a file, dispatching on its extension (`.npy`, `.f32bin`).
    public static func read(contentsOf url: URL) throws(EstimatorError) -> Matrix {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EstimatorError(.unreadable, "\(url.path): \(error.localizedDescription)")
        }
        let name = url.lastPathComponent
        do throws(EstimatorError) {
            if name.hasSuffix(".npy") { return try decodeNpy(data) }
            if name.hasSuffix(".f32bin") { return try decodeF32Bin(data) }
            throw EstimatorError(.unsupportedFormat, "unknown extension (expected .npy or .f32bin; event files are read by EventFileReader)")
        } catch {
            throw EstimatorError(error.code, "\(url.path): \(error.message)")
        }
    }

    /// `.f32bin`: `EMB1`, u32 version 1, u32 n, u32 d (LE), then n·d LE float32 row-major.
    public static func decodeF32Bin(_ data: Data) throws(EstimatorError) -> Matrix {
        let bytes = [UInt8](data)
        guard bytes.count >= 16 else { throw EstimatorError(.truncated, "f32bin header needs 16 bytes, file has \(bytes.count)") }
        guard bytes[0..<4] == [0x45, 0x4D, 0x42, 0x31] else { throw EstimatorError(.unsupportedFormat, "not an f32bin file (magic is not EMB1)") }
        let version = LittleEndian.u32(bytes, 4), n = Int(LittleEndian.u32(bytes, 8)), d = Int(LittleEndian.u32(bytes, 12))
        guard version == 1 else { throw EstimatorError(.unsupportedFormat, "f32bin version \(version) (only 1 is read)") }
        guard d > 0 else { throw EstimatorError(.shapeMismatch, "f32bin with 0 dimensions") }
        let need = 16 + n * d * 4
        guard bytes.count >= need else { throw EstimatorError(.truncated, "f32bin header says \(n)x\(d) (\(need) bytes), file has \(bytes.count)") }
        return try Matrix(rows: n, cols: d, values: LittleEndian.floats(bytes, offset: 16, count: n * d))
    }

    /// `.npy` v1/v2/v3: dtype `<f4` (or `|f4`-equivalent), C order, 2-D shape.
    public static func decodeNpy(_ data: Data) throws(EstimatorError) -> Matrix {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, bytes[1...5] == [0x4E, 0x55, 0x4D, 0x50, 0x59] else {
            throw EstimatorError(bytes.count < 10 ? .truncated : .unsupportedFormat, "not an .npy file (bad magic)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw EstimatorError(.truncated, ".npy v\(major) header length cut off") }
            headerLength = Int(LittleEndian.u32(bytes, 8)); headerStart = 12
        default: throw EstimatorError(.unsupportedFormat, ".npy format version \(major) is not supported")
        }
        guard bytes.count >= headerStart + headerLength else { throw EstimatorError(.truncated, ".npy header cut off") }
        guard let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8) else {
            throw EstimatorError(.unsupportedFormat, ".npy header is not text")
        }
        let descr = NpyHeader.value(of: "descr", in: header)?.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        guard descr == "<f4" else {
            throw EstimatorError(.unsupportedFormat, ".npy dtype \(descr ?? "?") is not supported (need little-endian float32 '<f4')")
        }
        guard NpyHeader.value(of: "fortran_order", in: header)?.trimmingCharacters(in: .whitespaces) == "False" else {
            throw EstimatorError(.unsupportedFormat, ".npy is in Fortran order (need C order)")
        }
        guard let shapeText = NpyHeader.value(of: "shape", in: header) else { throw EstimatorError(.unsupportedFormat, ".npy header has no shape") }
        let dims = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() ")).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.compactMap { Int($0) }
        guard dims.count == 2 else { throw EstimatorError(.unsupportedFormat, ".npy shape \(shapeText) is not 2-D (rows, dims)") }
        let (n, d) = (dims[0], dims[1])
        let start = headerStart + headerLength
        guard bytes.count >= start + n * d * 4 else {
            throw EstimatorError(.truncated, ".npy shape (\(n), \(d)) needs \(n * d * 4) data bytes, file has \(bytes.count - start)")
        }
        return try Matrix(rows: n, cols: d, values: LittleEndian.floats(bytes, offset: start, count: n * d))
    }
}

/// Little-endian field access on a byte array.
enum LittleEndian {
    static func u32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    static func u64(_ b: [UInt8], _ o: Int) -> UInt64 { UInt64(u32(b, o)) | UInt64(u32(b, o + 4)) << 32 }

    static func floats(_ b: [UInt8], offset: Int, count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        b.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<count { dst[i] = Float(bitPattern: u32(src, offset + 4 * i)) }
            }
        }
        return out
    }

    static func u32(_ b: UnsafeBufferPointer<UInt8>, _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }
}

/// Minimal parser of the Python-dict header of `.npy` files.
enum NpyHeader {
    /// The raw text of `key`'s value (up to the next top-level comma or closing brace).
    static func value(of key: String, in header: String) -> String? {
        guard let k = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        guard let colon = header[k.upperBound...].firstIndex(of: ":") else { return nil }
        var depth = 0
        var end = header.index(after: colon)
        while end < header.endIndex {
            let c = header[end]
            if c == "(" || c == "[" { depth += 1 }
            if c == ")" || c == "]" { depth -= 1 }
            if depth == 0 && (c == "," || c == "}") { break }
            end = header.index(after: end)
        }
        return String(header[header.index(after: colon)..<end]).trimmingCharacters(in: .whitespaces)
    }
}

/// The writer of `.f32bin` (the reader's inverse), for tools that hand a matrix to another program.
public enum EmbeddingWriter {
    /// `EMB1`, u32 version 1, u32 n, u32 d (LE), then the rows as LE float32.
    public static func f32bin(_ m: Matrix) -> Data {
        var out = Data("EMB1".utf8)
        for word in [UInt32(1), UInt32(m.rows), UInt32(m.cols)] { withUnsafeBytes(of: word.littleEndian) { out.append(contentsOf: $0) } }
        m.values.withUnsafeBufferPointer { v in
            for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        }
        return out
    }
}

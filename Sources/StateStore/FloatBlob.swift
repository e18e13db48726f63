import Foundation

/// Little-endian blobs for row data: float32 rows and int64 timestamps are stored as raw bytes so a
/// round trip is bit-exact and a 10 000 × 256 baseline is one 10 MB blob, not a JSON array.
enum FloatBlob {
    static func data(_ values: [Float]) -> Data {
        var data = Data(count: values.count * 4)
        data.withUnsafeMutableBytes { raw in
            let out = raw.bindMemory(to: UInt32.self)
            for (i, v) in values.enumerated() { out[i] = v.bitPattern.littleEndian }
        }
        return data
    }

    static func floats(_ data: Data) throws(StoreError) -> [Float] {
        guard data.count % 4 == 0 else { throw StoreError(.database, "float blob of \(data.count) bytes is not a multiple of 4") }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    static func data(_ values: [Int64]) -> Data {
        var data = Data(count: values.count * 8)
        data.withUnsafeMutableBytes { raw in
            let out = raw.bindMemory(to: Int64.self)
            for (i, v) in values.enumerated() { out[i] = v.littleEndian }
        }
        return data
    }

    static func int64s(_ data: Data) throws(StoreError) -> [Int64] {
        guard data.count % 8 == 0 else { throw StoreError(.database, "timestamp blob of \(data.count) bytes is not a multiple of 8") }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 8)).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
        }
    }
}

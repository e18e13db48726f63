/// Base64 (RFC 4648, standard alphabet, padded) of little-endian float32 values: `embedding_b64`.
///
/// Foundation's `Data(base64Encoded:)` needs a `String` and a `Data` copy per event; this works on
/// the message bytes directly and writes the floats into their final array.
public enum Base64Floats {
    /// Why `decode` refused its input; `offset` is relative to the start of the base64 text.
    struct DecodeError: Error {
        var message: String
        var offset: Int
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Sextet value per byte, 0xFF for bytes outside the alphabet.
    static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    /// Four tables (one per position in a quad) of the sextet already shifted into its place in the
    /// little-endian 3-byte group, so a quad decodes with four loads and three ORs (as in
    /// modp_b64). Bytes outside the alphabet give 0x01FF_FFFF: any bad byte sets bit 24.
    static let quadTables: [UInt32] = {
        var t = [UInt32](repeating: 0x01FF_FFFF, count: 4 * 256)
        for (i, c) in alphabet.enumerated() {
            let v = UInt32(i)
            t[Int(c)] = v << 2
            t[256 + Int(c)] = (v >> 4) | (v & 0x0F) << 12
            t[512 + Int(c)] = (v >> 2) << 8 | (v & 0x03) << 22
            t[768 + Int(c)] = v << 16
        }
        return t
    }()

    /// The float32 values encoded by the `count` base64 bytes at `text`.
    static func decode(_ text: UnsafePointer<UInt8>, count: Int) throws(DecodeError) -> [Float] {
        guard count % 4 == 0 else { throw DecodeError(message: "length \(count) is not a multiple of 4", offset: 0) }
        var padding = 0
        if count > 0 && text[count - 1] == UInt8(ascii: "=") { padding += 1 }
        if padding == 1 && text[count - 2] == UInt8(ascii: "=") { padding += 1 }
        let byteCount = count / 4 * 3 - padding
        guard byteCount % 4 == 0 else {
            throw DecodeError(message: "decodes to \(byteCount) bytes, not a whole number of float32 values", offset: 0)
        }
        let floats = byteCount / 4
        let quads = count / 4
        let fullQuads = padding > 0 ? quads - 1 : quads
        var bad: UInt32 = 0
        let result = quadTables.withUnsafeBufferPointer { tables in
            let t0 = tables.baseAddress!, t1 = t0 + 256, t2 = t0 + 512, t3 = t0 + 768
            return [Float](unsafeUninitializedCapacity: floats) { buffer, initialized in
                guard floats > 0 else { return }
                let out = UnsafeMutableRawPointer(buffer.baseAddress!)
                // Each quad stores 4 bytes (the 4th is overwritten by the next quad), so the last full
                // quad is written byte by byte to stay inside the buffer.
                let stored = padding > 0 ? fullQuads : fullQuads - 1
                for q in 0..<max(stored, 0) {
                    let s = text + 4 * q
                    let x = t0[Int(s[0])] | t1[Int(s[1])] | t2[Int(s[2])] | t3[Int(s[3])]
                    bad |= x
                    out.storeBytes(of: x.littleEndian, toByteOffset: 3 * q, as: UInt32.self)
                }
                let o = 3 * max(stored, 0)
                let last: UInt32, tailBytes: Int
                if padding == 0 {
                    let s = text + 4 * (fullQuads - 1)
                    last = t0[Int(s[0])] | t1[Int(s[1])] | t2[Int(s[2])] | t3[Int(s[3])]
                    tailBytes = 3
                } else {
                    let s = text + 4 * fullQuads
                    last = t0[Int(s[0])] | t1[Int(s[1])] | (padding == 2 ? 0 : t2[Int(s[2])])
                    tailBytes = 3 - padding
                }
                bad |= last
                for k in 0..<tailBytes {
                    out.storeBytes(of: UInt8(truncatingIfNeeded: last >> (8 * UInt32(k))), toByteOffset: o + k, as: UInt8.self)
                }
                #if _endian(big)
                for i in 0..<floats { buffer[i] = Float(bitPattern: UInt32(littleEndian: buffer[i].bitPattern)) }
                #endif
                initialized = bad & 0x0100_0000 == 0 ? floats : 0
            }
        }
        if bad & 0x0100_0000 != 0 {
            for i in 0..<count where decodeTable[Int(text[i])] == 0xFF && !(i >= count - padding) {
                throw DecodeError(message: "invalid base64 character \(JSONScanner.describe(text[i]))", offset: i)
            }
            throw DecodeError(message: "invalid base64", offset: 0)
        }
        return result
    }

    /// Standard padded base64 of `values` as little-endian float32, as ASCII bytes.
    public static func encode(_ values: [Float]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], alphabet[Int(v & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let v = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)]]
            out += rest == 2 ? [alphabet[Int(v >> 6 & 63)], UInt8(ascii: "=")] : [UInt8(ascii: "="), UInt8(ascii: "=")]
        }
        return out
    }
}

import Foundation
import Testing
@testable import DriftEstimators

@Suite struct ReaderTests {
    @Test func matrixFormatsAgree() throws {
        let bin = try Fixtures.matrix("baseline.f32bin")
        #expect(bin.rows == 2000 && bin.cols == 32)
        #expect(try Fixtures.matrix("baseline.npy") == bin)
    }

    @Test(arguments: ["baseline.f32bin", "baseline.npy"])
    func truncatedFilesAreTypedErrors(_ name: String) throws {
        let data = try Data(contentsOf: Fixtures.url(name))
        for cut in [3, 15, data.count - 1] {
            let d = data.prefix(cut)
            let error = try #require(throws: EstimatorError.self) {
                if name.hasSuffix(".npy") { _ = try EmbeddingReader.decodeNpy(d) } else { _ = try EmbeddingReader.decodeF32Bin(d) }
            }
            #expect(error.code == .truncated, "\(name) cut at \(cut): \(error)")
        }
    }

    /// Builds an .npy file by hand (v1 or v2 header) so dtype/order variants can be tested.
    static func npy(descr: String, fortran: Bool, shape: String, payload: [Float], version: UInt8 = 1) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
        let prefix = version == 1 ? 10 : 12
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        let len = header.utf8.count
        if version == 1 { out += [UInt8(len & 0xFF), UInt8(len >> 8)] } else {
            out += [UInt8(len & 0xFF), UInt8((len >> 8) & 0xFF), UInt8((len >> 16) & 0xFF), 0]
        }
        out += Array(header.utf8)
        for v in payload { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return Data(out)
    }

    @Test func npyVariants() throws {
        let payload: [Float] = [1, 2, 3, 4, 5, 6]
        let v1 = try EmbeddingReader.decodeNpy(Self.npy(descr: "<f4", fortran: false, shape: "(3, 2)", payload: payload))
        #expect(v1.rows == 3 && v1.cols == 2 && v1.values == payload)
        let v2 = try EmbeddingReader.decodeNpy(Self.npy(descr: "<f4", fortran: false, shape: "(2, 3)", payload: payload, version: 2))
        #expect(v2.rows == 2 && v2.cols == 3 && v2.values == payload)
        for (descr, fortran, shape) in [("<f8", false, "(3, 2)"), (">f4", false, "(3, 2)"), ("<f4", true, "(3, 2)"), ("<f4", false, "(6,)")] {
            let error = try #require(throws: EstimatorError.self) {
                try EmbeddingReader.decodeNpy(Self.npy(descr: descr, fortran: fortran, shape: shape, payload: payload))
            }
            #expect(error.code == .unsupportedFormat, "\(descr) \(fortran) \(shape): \(error)")
        }
    }

    @Test func unknownExtensionAndMissingFile() throws {
        let e1 = try #require(throws: EstimatorError.self) { try EmbeddingReader.read(contentsOf: URL(fileURLWithPath: "/nonexistent/x.npy")) }
        #expect(e1.code == .unreadable)
        let e2 = try #require(throws: EstimatorError.self) { try EmbeddingReader.read(contentsOf: Fixtures.url("none_n2000_d32_s11/meta.json")) }
        #expect(e2.code == .unsupportedFormat)
    }
}

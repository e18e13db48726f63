import Foundation
import Testing
@testable import DriftEstimators

@Suite struct ReaderTests {
    @Test func allBaselineFormatsAgree() throws {
        let bin = try Fixtures.matrix("baseline.f32bin")
        #expect(bin.rows == 2000 && bin.cols == 32)
        #expect(try Fixtures.matrix("baseline.npy") == bin)
        #expect(try Fixtures.matrix("baseline.jsonl") == bin)
        #expect(try Fixtures.matrix("baseline.events.bin") == bin)
    }

    @Test func eventMetadataAgreesBetweenJSONLAndBinary() throws {
        let json = try EventRecords.decodeJSONLines(Data(contentsOf: Fixtures.url("baseline.jsonl")))
        let bin = try EventRecords.decodeBinary(Data(contentsOf: Fixtures.url("baseline.events.bin")))
        #expect(json.count == 2000 && bin.count == 2000)
        #expect(json.labels == bin.labels)
        #expect(json.cohorts == bin.cohorts)
        for i in 0..<json.count { #expect(Float(json.scores[i]!) == Float(bin.scores[i]!)) }
    }

    @Test func embeddingBase64() throws {
        let row: [Float] = [1.5, -2.25, 3e-8]
        var bytes = [UInt8]()
        for v in row { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        let line = #"{"event_id":"a","model":"m","embedding_b64":"\#(Data(bytes).base64EncodedString())"}"# + "\n" +
            #"{"event_id":"b","model":"m","embedding":[0,1,2]}"#
        let m = try EventRecords.decodeJSONLines(Data(line.utf8)).embeddings()
        #expect(m.values == row + [0, 1, 2])
        let bad = #"{"event_id":"a","embedding":[1,2]}"# + "\n" + #"{"event_id":"b","embedding":[1]}"#
        let error = try #require(throws: EstimatorError.self) { try EventRecords.decodeJSONLines(Data(bad.utf8)) }
        #expect(error.code == .shapeMismatch && error.message.contains("line 2"))
    }

    @Test(arguments: ["baseline.f32bin", "baseline.npy", "baseline.events.bin"])
    func truncatedFilesAreTypedErrors(_ name: String) throws {
        let data = try Data(contentsOf: Fixtures.url(name))
        for cut in [3, 15, data.count - 1] {
            let d = data.prefix(cut)
            let error = try #require(throws: EstimatorError.self) {
                if name.hasSuffix(".npy") { _ = try EmbeddingReader.decodeNpy(d) }
                else if name.hasSuffix(".f32bin") { _ = try EmbeddingReader.decodeF32Bin(d) }
                else { _ = try EventRecords.decodeBinary(d) }
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
        #expect(e2.code != .truncated)
    }
}

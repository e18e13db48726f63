import Alerting
import CCurl
import COpenBLAS
import CRdKafka
import KafkaIO
import Testing

@Suite("C libraries are linked and behave")
struct SystemLibrarySmokeTests {
    @Test("librdkafka reports a 2.x version")
    func librdkafkaVersion() {
        let version = KafkaIO.librdkafkaVersion
        #expect(version.hasPrefix("2."), "librdkafka version \(version)")
        #expect(rd_kafka_version() >= 0x0200_0000)
    }

    @Test("cblas_sgemm multiplies 3×2 by 2×3 like the hand computation")
    func sgemm() {
        // A = [[1,2],[3,4],[5,6]], B = [[7,8,9],[10,11,12]] (row-major)
        let a: [Float] = [1, 2, 3, 4, 5, 6]
        let b: [Float] = [7, 8, 9, 10, 11, 12]
        var c = [Float](repeating: 0, count: 9)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 3, 3, 2, 1, a, 2, b, 3, 0, &c, 3)
        #expect(c == [27, 30, 33, 61, 68, 75, 95, 106, 117])
    }

    @Test("libcurl speaks http and https")
    func curlProtocols() {
        let protocols = Alerting.curlProtocols
        #expect(protocols.contains("http"))
        #expect(protocols.contains("https"))
    }
}

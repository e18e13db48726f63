import CRdKafka
import Dispatch

/// A Kafka producer. Messages are copied into librdkafka's queue; `flush` waits for delivery.
///
/// `@unchecked Sendable`: `rd_kafka_t` is thread-safe for produce/poll/flush.
public final class KafkaProducer: @unchecked Sendable {
    private let handle: OpaquePointer

    /// A producer for `brokers`; `overrides` are passed to librdkafka unchanged.
    public init(brokers: [String], overrides: [String: String] = [:]) throws(KafkaError) {
        var config = RDKafkaConfig(overrides)
        config["bootstrap.servers"] = brokers.joined(separator: ",")
        handle = try makeClient(RD_KAFKA_PRODUCER, config)
    }

    deinit {
        rd_kafka_flush(handle, 5000)
        rd_kafka_destroy(handle)
    }

    /// Enqueues one message; when librdkafka's queue is full, waits for room (backpressure).
    public func produce(topic: String, key: [UInt8]?, value: [UInt8], headers: [(String, [UInt8])] = [],
                        partition: Int32 = -1) throws(KafkaError) {
        while true {
            var hdrs: OpaquePointer? = nil
            if !headers.isEmpty {
                hdrs = rd_kafka_headers_new(headers.count)
                for (name, bytes) in headers { _ = rd_kafka_header_add(hdrs, name, -1, bytes, bytes.count) }
            }
            let err = key.withOptionalBytes { keyPtr, keyLen in
                value.withUnsafeBytes { v in
                    twinwatch_rd_kafka_produce(handle, topic, partition, keyPtr, keyLen, v.baseAddress, v.count, hdrs, nil)
                }
            }
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                rd_kafka_poll(handle, 0)
                return
            }
            if let hdrs { rd_kafka_headers_destroy(hdrs) }
            guard err == RD_KAFKA_RESP_ERR__QUEUE_FULL else { throw KafkaError(.produce, "produce to \(topic)", err) }
            rd_kafka_poll(handle, 100)
        }
    }

    /// Waits until every queued message is delivered or `timeoutMs` passes.
    public func flush(timeoutMs: Int32 = 10_000) async throws(KafkaError) {
        let err: rd_kafka_resp_err_t = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: rd_kafka_flush(self.handle, timeoutMs)) }
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.produce, "flush", err) }
    }
}

extension Optional where Wrapped == [UInt8] {
    fileprivate func withOptionalBytes<R>(_ body: (UnsafeRawPointer?, Int) -> R) -> R {
        switch self {
        case .none: return body(nil, 0)
        case .some(let bytes): return bytes.withUnsafeBytes { body($0.baseAddress, $0.count) }
        }
    }
}

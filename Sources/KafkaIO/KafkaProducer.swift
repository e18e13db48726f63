import CRdKafka
import Dispatch
import Logging
import Synchronization

/// A Kafka producer. Messages are copied into librdkafka's queue; delivery reports are counted
/// and failures logged; `flush` waits for delivery.
///
/// `@unchecked Sendable`: `rd_kafka_t` is thread-safe for produce/poll/flush; the delivery
/// counters are atomics.
public final class KafkaProducer: @unchecked Sendable {
    private let handle: OpaquePointer
    private let reports: DeliveryReports
    private let queueFullWait: Duration
    /// Set when a produce gave up on a full queue, cleared by the next that enqueues: while the
    /// queue stays full (brokers unreachable) later produces fail at once instead of each waiting.
    private let queueStuck = Atomic<Bool>(false)

    /// How long `produce` waits for room in a full queue by default before failing.
    public static let defaultQueueFullWait: Duration = .seconds(5)

    /// A producer for `brokers`; `overrides` are passed to librdkafka unchanged. `queueFullWait`:
    /// how long `produce` waits for room in librdkafka's queue before failing.
    public init(brokers: [String], overrides: [String: String] = [:], logger: Logger = Logger(label: "twinwatch.kafka.producer"),
                queueFullWait: Duration = KafkaProducer.defaultQueueFullWait) throws(KafkaError) {
        var config = RDKafkaConfig(overrides)
        config["bootstrap.servers"] = brokers.joined(separator: ",")
        let reports = DeliveryReports(logger: logger)
        handle = try makeClient(RD_KAFKA_PRODUCER, config) { reports.register(on: $0) }
        self.reports = reports
        self.queueFullWait = queueFullWait
    }

    deinit {
        rd_kafka_flush(handle, 5000)
        rd_kafka_destroy(handle)
    }

    /// Messages acknowledged by the brokers so far.
    public var delivered: Int { reports.delivered.load(ordering: .relaxed) }
    /// Messages librdkafka gave up on (after its own retries).
    public var failed: Int { reports.failed.load(ordering: .relaxed) }

    /// Enqueues one message; when librdkafka's queue is full, waits for room (backpressure) at most
    /// `queueFullWait`, then throws — the caller is on the cooperative pool (ingest), and an
    /// unbounded wait there stalled ingest until the watchdog killed the process. While the queue
    /// stays full after such a failure, later calls throw at once.
    public func produce(topic: String, key: [UInt8]?, value: [UInt8], headers: [(String, [UInt8])] = [],
                        partition: Int32 = -1) throws(KafkaError) {
        let deadline = ContinuousClock.now + queueFullWait
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
                queueStuck.store(false, ordering: .relaxed)
                rd_kafka_poll(handle, 0)
                return
            }
            if let hdrs { rd_kafka_headers_destroy(hdrs) }
            guard err == RD_KAFKA_RESP_ERR__QUEUE_FULL else {
                throw KafkaError(.produce, "produce of \(value.count) bytes to \(topic)", err)
            }
            if queueStuck.load(ordering: .relaxed) || ContinuousClock.now >= deadline {
                queueStuck.store(true, ordering: .relaxed)
                throw KafkaError(.produce, "produce to \(topic): librdkafka's queue stayed full for \(queueFullWait) "
                                 + "(\(rd_kafka_outq_len(handle)) messages waiting; brokers unreachable or slower than the input?)", err)
            }
            rd_kafka_poll(handle, 100)
        }
    }

    /// Waits until every queued message is delivered or failed, or `timeoutMs` passes.
    /// Throws when messages are still queued or any delivery failed since the last flush.
    public func flush(timeoutMs: Int32 = 10_000) async throws(KafkaError) {
        let failedBefore = reports.failedAtLastFlush.exchange(failed, ordering: .relaxed)
        let err = await blockingCall("flush", timeout: nil) { rd_kafka_flush(self.handle, timeoutMs) } ?? RD_KAFKA_RESP_ERR__TIMED_OUT
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.produce, "flush", err) }
        let failedNow = failed
        reports.failedAtLastFlush.store(failedNow, ordering: .relaxed)
        guard failedNow == failedBefore else { throw KafkaError(.produce, "\(failedNow - failedBefore) message(s) not delivered") }
    }
}

/// librdkafka's delivery-report callback target (reached through an unretained pointer; the
/// producer destroys its handle before releasing this).
private final class DeliveryReports: LibrdkafkaClientContext, @unchecked Sendable {
    let delivered = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let failedAtLastFlush = Atomic<Int>(0)

    func register(on conf: OpaquePointer) {
        registerContext(on: conf)
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque else { return }
            let reports = Unmanaged<DeliveryReports>.fromOpaque(opaque).takeUnretainedValue()
            let err = message.pointee.err
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                reports.delivered.add(1, ordering: .relaxed)
            } else if reports.failed.add(1, ordering: .relaxed).newValue == 1 {
                reports.logger.error("kafka delivery failed", metadata: ["error": "\(String(cString: rd_kafka_err2str(err)))"])
            }
        }
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

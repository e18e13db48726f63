import CRdKafka
import Dispatch
import Logging

/// A consumer-group member (librdkafka high-level consumer).
///
/// Offsets are stored explicitly with `store(_:)` once a message is reflected in state, and
/// librdkafka auto-commits only stored offsets: a crash replays, it never skips.
///
/// `@unchecked Sendable`: the `rd_kafka_t` handle is thread-safe; polling and closing are
/// serialised on `queue`, a dedicated thread, so a blocking poll never occupies the async pool.
public final class KafkaConsumer: @unchecked Sendable {
    private let handle: OpaquePointer
    private let queue = DispatchQueue(label: "twinwatch.kafka.consumer")
    private let logger: Logger
    private var closed = false
    private var lastError: rd_kafka_resp_err_t = RD_KAFKA_RESP_ERR_NO_ERROR

    /// Joins `groupID` at `brokers`; `overrides` are passed to librdkafka unchanged.
    public init(brokers: [String], groupID: String, overrides: [String: String] = [:], logger: Logger) throws(KafkaError) {
        var config = RDKafkaConfig(overrides)
        config["bootstrap.servers"] = brokers.joined(separator: ",")
        config["group.id"] = groupID
        config["enable.auto.commit"] = "true"
        config["enable.auto.offset.store"] = "false"
        if config["auto.offset.reset"] == nil { config["auto.offset.reset"] = "earliest" }
        handle = try makeClient(RD_KAFKA_CONSUMER, config)
        rd_kafka_poll_set_consumer(handle)
        self.logger = logger
    }

    deinit {
        if !closed { rd_kafka_consumer_close(handle) }
        rd_kafka_destroy(handle)
    }

    /// Subscribes to `topics` (replacing any earlier subscription).
    public func subscribe(_ topics: [String]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let err = rd_kafka_subscribe(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.subscription, "subscribe \(topics)", err) }
    }

    /// Up to `maxMessages` messages: waits at most `timeoutMs` for the first, then takes what is ready.
    public func poll(maxMessages: Int = 500, timeoutMs: Int32 = 100) async -> [KafkaMessage] {
        await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.pollBatch(maxMessages: maxMessages, timeoutMs: timeoutMs))
            }
        }
    }

    private func pollBatch(maxMessages: Int, timeoutMs: Int32) -> [KafkaMessage] {
        guard !closed else { return [] }
        var batch: [KafkaMessage] = []
        var wait = timeoutMs
        while batch.count < maxMessages, let raw = rd_kafka_consumer_poll(handle, wait) {
            defer { rd_kafka_message_destroy(raw) }
            wait = 0
            let message = raw.pointee
            if message.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                noteError(message.err)
                continue
            }
            noteError(RD_KAFKA_RESP_ERR_NO_ERROR)
            batch.append(Self.copy(raw))
        }
        return batch
    }

    /// Logs broker/consumer errors once per change of state, not once per poll.
    private func noteError(_ err: rd_kafka_resp_err_t) {
        guard err != lastError, err != RD_KAFKA_RESP_ERR__PARTITION_EOF else { return }
        if err == RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.info("kafka consumer recovered")
        } else {
            logger.warning("kafka consumer error", metadata: ["error": "\(String(cString: rd_kafka_err2str(err)))"])
        }
        lastError = err
    }

    private static func copy(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaMessage {
        let m = raw.pointee
        let value = m.payload.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []
        let key = m.key.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(raw, &timestampType)
        var headers: [(name: String, value: [UInt8])] = []
        var hdrs: OpaquePointer?
        if rd_kafka_message_headers(raw, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs {
            var index = 0
            var name: UnsafePointer<CChar>?
            var data: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(hdrs, index, &name, &data, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let bytes = data.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                headers.append((name.map { String(cString: $0) } ?? "", bytes))
                index += 1
            }
        }
        return KafkaMessage(
            topic: String(cString: rd_kafka_topic_name(m.rkt)), partition: m.partition, offset: m.offset,
            key: key, value: value, timestampMs: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp,
            headers: headers)
    }

    /// Marks `messages` as processed: their partitions' next offsets become committable.
    public func store(_ messages: [KafkaMessage]) {
        var next: [String: [Int32: Int64]] = [:]
        for m in messages { next[m.topic, default: [:]][m.partition] = max(next[m.topic]?[m.partition] ?? 0, m.offset + 1) }
        guard !next.isEmpty else { return }
        let list = rd_kafka_topic_partition_list_new(Int32(messages.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (topic, partitions) in next {
            for (partition, offset) in partitions {
                rd_kafka_topic_partition_list_add(list, topic, partition)?.pointee.offset = offset
            }
        }
        let err = rd_kafka_offsets_store(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            // Happens when a partition was revoked meanwhile: its new owner replays from the last commit.
            logger.debug("offset store skipped", metadata: ["error": "\(String(cString: rd_kafka_err2str(err)))"])
        }
    }

    /// Commits the stored offsets now and waits for the broker's answer.
    public func commit() async throws(KafkaError) {
        let err: rd_kafka_resp_err_t = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.closed ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_commit(self.handle, nil, 0))
            }
        }
        // Nothing stored since the last commit is not a failure.
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET else {
            throw KafkaError(.commit, "commit", err)
        }
    }

    /// Leaves the group after committing stored offsets. Further polls return nothing.
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                if !self.closed {
                    rd_kafka_consumer_close(self.handle)
                    self.closed = true
                }
                continuation.resume()
            }
        }
    }
}

import CRdKafka
import Foundation
import Logging
import Synchronization
import TwinwatchCore

/// A consumer-group member (librdkafka high-level consumer, cooperative-sticky by default).
///
/// A dedicated thread polls librdkafka and feeds `events`, a stream of message batches and
/// partition assignments. The stream is bounded by credit: once `bufferCapacity` messages are
/// delivered but not yet taken, the assigned partitions are paused (never dropped) and resumed
/// when the reader has caught up to half. Offsets are stored explicitly with `store(_:)` once a
/// message is reflected in state; librdkafka auto-commits only stored offsets, and stored
/// offsets are committed before partitions are revoked and on close. A crash replays, never skips.
///
/// `@unchecked Sendable`: the `rd_kafka_t` handle is thread-safe; polling and closing happen on
/// the poll thread only, and the remaining mutable state is behind `control`.
public final class KafkaConsumer: @unchecked Sendable {
    private let handle: OpaquePointer
    private let callbacks: ConsumerCallbacks
    private let logger: Logger
    private let bufferCapacity: Int
    private let control = Mutex(Control())
    private let stream: AsyncStream<ConsumerEvent>

    private struct Control {
        var started = false
        var stopRequested = false
        /// Called once the poll thread has closed the consumer.
        var closed: [@Sendable () -> Void] = []
        var finished = false
    }

    /// Joins `groupID` at `brokers`; `overrides` are passed to librdkafka unchanged.
    ///
    /// Without `checkpointedOffsets`, offsets passed to `store(_:)` are auto-committed. With it, the
    /// caller owns durability: partitions start at the offsets it returns (when it knows them, else
    /// at the group's committed offset) and only `commit(_:)` commits, after a checkpoint.
    public init(brokers: [String], groupID: String, overrides: [String: String] = [:], bufferCapacity: Int = 20_000,
                logger: Logger, checkpointedOffsets: StartOffsets? = nil,
                onStatistics: @escaping @Sendable (ConsumerStatistics) -> Void = { _ in }) throws(KafkaError) {
        var config = RDKafkaConfig(overrides)
        config["bootstrap.servers"] = brokers.joined(separator: ",")
        config["group.id"] = groupID
        config["enable.auto.commit"] = checkpointedOffsets == nil ? "true" : "false"
        config["enable.auto.offset.store"] = "false"
        if config["auto.offset.reset"] == nil { config["auto.offset.reset"] = "earliest" }
        if config["partition.assignment.strategy"] == nil { config["partition.assignment.strategy"] = "cooperative-sticky" }
        if config["statistics.interval.ms"] == nil { config["statistics.interval.ms"] = "5000" }
        // A connection to every broker (a handful of sockets): the broker gauges then tell a
        // broker that is down from one nothing needed, and a leader change finds it connected.
        if config["enable.sparse.connections"] == nil { config["enable.sparse.connections"] = "false" }
        let (stream, continuation) = AsyncStream.makeStream(of: ConsumerEvent.self)
        let callbacks = ConsumerCallbacks(continuation: continuation, logger: logger, startOffsets: checkpointedOffsets, onStatistics: onStatistics)
        handle = try makeClient(RD_KAFKA_CONSUMER, config) { callbacks.register(on: $0) }
        rd_kafka_poll_set_consumer(handle)
        self.callbacks = callbacks
        self.stream = stream
        self.logger = logger
        self.bufferCapacity = bufferCapacity
    }

    deinit {
        // close() normally ran on the poll thread; a consumer never started still leaves its group.
        if !control.withLock({ $0.finished }) { rd_kafka_consumer_close(handle) }
        rd_kafka_destroy(handle)
    }

    /// Messages delivered to `events` but not yet taken by the reader (bounded by the pause logic).
    public var bufferedMessages: Int { callbacks.outstanding.load(ordering: .relaxed) }

    /// Subscribes to `topics` (replacing any earlier subscription).
    public func subscribe(_ topics: [String]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let err = rd_kafka_subscribe(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.subscription, "subscribe \(topics)", err) }
    }

    /// The consumer's events; starts the poll thread. Iterate it from one task only.
    public var events: ConsumerEvents {
        let start = control.withLock { c in
            defer { c.started = true }
            return !c.started
        }
        if start {
            let thread = Thread { [self] in pollLoop() }
            thread.name = "twinwatch-kafka-poll"
            thread.start()
        }
        return ConsumerEvents(base: stream, callbacks: callbacks)
    }

    private func pollLoop() {
        var paused = false
        var lastError = RD_KAFKA_RESP_ERR_NO_ERROR
        while !control.withLock({ $0.stopRequested }) {
            let outstanding = callbacks.outstanding.load(ordering: .relaxed)
            if outstanding >= bufferCapacity {
                // Also re-pauses partitions assigned while paused.
                setPaused(true)
                if !paused { logger.info("ingest buffer full, partitions paused", metadata: ["buffered": "\(outstanding)"]) }
                paused = true
            } else if paused && outstanding <= bufferCapacity / 2 {
                setPaused(false)
                paused = false
                logger.info("ingest buffer drained, partitions resumed")
            }
            let batch = pollBatch(maxMessages: 1000, timeoutMs: 100, lastError: &lastError)
            if !batch.isEmpty {
                callbacks.outstanding.add(batch.count, ordering: .relaxed)
                callbacks.continuation.yield(.messages(batch))
            }
        }
        rd_kafka_consumer_close(handle)
        callbacks.continuation.finish()
        let waiters = control.withLock { c in
            c.finished = true
            defer { c.closed = [] }
            return c.closed
        }
        waiters.forEach { $0() }
    }

    private func setPaused(_ pause: Bool) {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        _ = pause ? rd_kafka_pause_partitions(handle, list) : rd_kafka_resume_partitions(handle, list)
    }

    private func pollBatch(maxMessages: Int, timeoutMs: Int32, lastError: inout rd_kafka_resp_err_t) -> [KafkaMessage] {
        var batch: [KafkaMessage] = []
        var wait = timeoutMs
        while batch.count < maxMessages, let raw = rd_kafka_consumer_poll(handle, wait) {
            defer { rd_kafka_message_destroy(raw) }
            wait = 0
            let err = raw.pointee.err
            if err == RD_KAFKA_RESP_ERR__PARTITION_EOF { continue }
            // Broker and consumer errors are logged once per change of state, not once per poll.
            if err != lastError {
                if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    logger.info("kafka consumer recovered")
                } else {
                    logger.warning("kafka consumer error", metadata: ["error": "\(String(cString: rd_kafka_err2str(err)))"])
                }
                lastError = err
            }
            if err == RD_KAFKA_RESP_ERR_NO_ERROR { batch.append(KafkaMessage(copying: raw)) }
        }
        return batch
    }

    /// The number of partitions of `topic` from the brokers' metadata, or nil when they do not
    /// answer within `timeoutMs`. Blocks: call it off the cooperative pool.
    public func partitionCount(of topic: String, timeoutMs: Int32 = 5_000) -> Int? {
        guard let handle = rd_kafka_topic_new(self.handle, topic, nil) else { return nil }
        defer { rd_kafka_topic_destroy(handle) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        guard rd_kafka_metadata(self.handle, 0, handle, &metadata, timeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { return nil }
        defer { rd_kafka_metadata_destroy(metadata) }
        guard metadata.pointee.topic_cnt == 1, metadata.pointee.topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return Int(metadata.pointee.topics[0].partition_cnt)
    }

    /// Marks `messages` as processed: their partitions' next offsets become committable.
    public func store(_ messages: [KafkaMessage]) {
        let next = KafkaMessage.nextOffsets(messages)
        guard !next.isEmpty else { return }
        let list = rd_kafka_topic_partition_list_new(Int32(next.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (tp, offset) in next { rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)?.pointee.offset = offset }
        let err = rd_kafka_offsets_store(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            // A partition revoked meanwhile: its new owner replays from the last commit.
            logger.debug("offset store skipped", metadata: ["error": "\(String(cString: rd_kafka_err2str(err)))"])
        }
    }

    /// Commits the stored offsets now and waits for the broker's answer, at most `timeout`.
    public func commit(timeout: Duration? = .seconds(30)) async throws(KafkaError) {
        guard let err = await blockingCall("commit", timeout: timeout, { rd_kafka_commit(self.handle, nil, 0) }) else {
            throw KafkaError(.commit, "commit: no answer from the group coordinator within \(timeout!)")
        }
        // Nothing stored since the last commit is not a failure.
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET else {
            throw KafkaError(.commit, "commit", err)
        }
    }

    /// Commits `offsets` (next offset per partition) for the partitions still assigned, and waits
    /// for the broker at most `timeout`: a partition that moved meanwhile is skipped, never
    /// committed backwards.
    public func commit(_ offsets: [TopicPartition: Int64], timeout: Duration? = .seconds(30)) async throws(KafkaError) {
        var current: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &current) == RD_KAFKA_RESP_ERR_NO_ERROR, let current else { return }
        let owned = Set(TopicPartition.list(current))
        rd_kafka_topic_partition_list_destroy(current)
        let commitable = offsets.filter { owned.contains($0.key) }
        guard !commitable.isEmpty else { return }
        let answer = await blockingCall("commit", timeout: timeout) {
            let list = rd_kafka_topic_partition_list_new(Int32(commitable.count))
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for (tp, offset) in commitable { rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)?.pointee.offset = offset }
            return rd_kafka_commit(self.handle, list, 0)
        }
        guard let err = answer else {
            throw KafkaError(.commit, "commit \(commitable.count) partitions: no answer from the group coordinator within \(timeout!)")
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.commit, "commit \(commitable.count) partitions", err) }
    }

    /// Leaves the group: commits stored offsets, revokes partitions, ends `events`. Waits at most
    /// `timeout` for the brokers (returns `false` then: the group notices the member's absence
    /// after its session timeout; the poll thread keeps the client alive until librdkafka returns).
    @discardableResult
    public func close(timeout: Duration? = nil) async -> Bool {
        let running = control.withLock { c in
            c.stopRequested = true
            return c.started && !c.finished
        }
        guard running else { return true }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let answer = FirstAnswer(continuation)
            let done = control.withLock { c in
                if c.finished { return true }
                c.closed.append { answer.resume(true) }
                return false
            }
            if done { answer.resume(true) }
            if let timeout { answer.resume(false, after: timeout) }
        }
    }
}

/// The consumer's events; taking a message batch returns its credit to the consumer.
public struct ConsumerEvents: AsyncSequence, Sendable {
    public typealias Element = ConsumerEvent
    let base: AsyncStream<ConsumerEvent>
    let callbacks: ConsumerCallbacks

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<ConsumerEvent>.AsyncIterator
        let callbacks: ConsumerCallbacks

        public mutating func next() async -> ConsumerEvent? {
            let event = await base.next()
            if case .messages(let batch) = event { callbacks.outstanding.subtract(batch.count, ordering: .relaxed) }
            return event
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), callbacks: callbacks) }
}

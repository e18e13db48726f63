import CRdKafka
import Foundation
import Logging
import Synchronization
import TwinwatchCore

/// Where a checkpointing owner's assigned partitions start: given the partitions and the group's
/// committed offsets of them (nil when unknown), the offsets to start at (absent: the group's commit).
public typealias StartOffsets = @Sendable (_ partitions: [TopicPartition], _ committed: [TopicPartition: Int64]?) -> [TopicPartition: Int64]

/// Receives librdkafka's callbacks (rebalance, statistics) on the poll thread and forwards them.
/// Reached from C through an unretained `Unmanaged` pointer: the consumer owns it and destroys
/// the `rd_kafka_t` before releasing it.
final class ConsumerCallbacks: LibrdkafkaClientContext, @unchecked Sendable {
    let continuation: AsyncStream<ConsumerEvent>.Continuation
    let onStatistics: @Sendable (ConsumerStatistics) -> Void
    /// Where assigned partitions start, when the owner checkpoints offsets itself: given the
    /// partitions and the group's committed offsets of them (nil when the coordinator did not answer).
    let startOffsets: StartOffsets?
    /// Messages delivered to the stream and not yet taken by the reader.
    let outstanding = Atomic<Int>(0)

    init(continuation: AsyncStream<ConsumerEvent>.Continuation, logger: Logger,
         startOffsets: StartOffsets?, onStatistics: @escaping @Sendable (ConsumerStatistics) -> Void) {
        self.continuation = continuation
        self.startOffsets = startOffsets
        self.onStatistics = onStatistics
        super.init(logger: logger)
    }

    func register(on conf: OpaquePointer) {
        registerContext(on: conf)
        rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
            guard let rk, let opaque else { return }
            Unmanaged<ConsumerCallbacks>.fromOpaque(opaque).takeUnretainedValue().rebalance(rk, err, partitions)
        }
        rd_kafka_conf_set_stats_cb(conf) { _, json, length, opaque in
            guard let json, let opaque else { return 0 }
            let bytes = Data(bytes: json, count: length)
            let callbacks = Unmanaged<ConsumerCallbacks>.fromOpaque(opaque).takeUnretainedValue()
            if let stats = ConsumerStatistics(json: bytes) { callbacks.onStatistics(stats) }
            return 0  // librdkafka frees the buffer
        }
    }

    private func rebalance(_ rk: OpaquePointer, _ err: rd_kafka_resp_err_t, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let list = TopicPartition.list(partitions)
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if let startOffsets, let partitions {
                // The checkpoint's offsets match the windows restored for these partitions.
                let known = startOffsets(list, committed(rk, partitions))
                for i in 0..<Int(partitions.pointee.cnt) {
                    let element = partitions.pointee.elems[i]
                    let tp = TopicPartition(topic: String(cString: element.topic), partition: element.partition)
                    if let offset = known[tp] { partitions.pointee.elems[i].offset = offset }
                }
                if !known.isEmpty { logger.info("partitions start at checkpointed offsets", metadata: ["partitions": "\(known.count)"]) }
            }
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) { report(error, "incremental assign") }
            } else {
                rd_kafka_assign(rk, partitions)
            }
            logger.info("partitions assigned", metadata: ["partitions": "\(list)", "protocol": "\(cooperative ? "cooperative" : "eager")"])
            continuation.yield(.assigned(list))
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            // What was processed is committed before the partitions move: the new owner starts there.
            // (A checkpointing owner stores nothing: it committed with its last checkpoint.)
            let commit = startOffsets == nil ? rd_kafka_commit(rk, nil, 0) : RD_KAFKA_RESP_ERR__NO_OFFSET
            if commit != RD_KAFKA_RESP_ERR_NO_ERROR && commit != RD_KAFKA_RESP_ERR__NO_OFFSET {
                logger.warning("commit on revoke failed; the new owner replays from the last commit",
                               metadata: ["error": "\(String(cString: rd_kafka_err2str(commit)))"])
            }
            logger.info("partitions revoked", metadata: ["partitions": "\(list)"])
            continuation.yield(.revoked(list))
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) { report(error, "incremental unassign") }
            } else {
                rd_kafka_assign(rk, nil)
            }
        default:
            logger.error("rebalance failed", metadata: ["error": "\(String(cString: rd_kafka_err2str(err)))"])
            rd_kafka_assign(rk, nil)
        }
    }

    /// The group's committed offsets of `partitions` (absent: none committed), or nil when the
    /// coordinator does not answer within `committedTimeoutMs`.
    private func committed(_ rk: OpaquePointer, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition: Int64]? {
        guard let copy = rd_kafka_topic_partition_list_copy(partitions) else { return nil }
        defer { rd_kafka_topic_partition_list_destroy(copy) }
        let err = rd_kafka_committed(rk, copy, Self.committedTimeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            logger.warning("cannot read the group's committed offsets; partitions start at this instance's checkpoint",
                           metadata: ["error": "\(String(cString: rd_kafka_err2str(err)))"])
            return nil
        }
        var out: [TopicPartition: Int64] = [:]
        for i in 0..<Int(copy.pointee.cnt) {
            let element = copy.pointee.elems[i]
            guard element.err == RD_KAFKA_RESP_ERR_NO_ERROR, element.offset >= 0 else { continue }
            out[TopicPartition(topic: String(cString: element.topic), partition: element.partition)] = element.offset
        }
        return out
    }

    static let committedTimeoutMs: Int32 = 5_000

    private func report(_ error: OpaquePointer, _ what: String) {
        logger.error("\(what) failed", metadata: ["error": "\(String(cString: rd_kafka_error_string(error)))"])
        rd_kafka_error_destroy(error)
    }
}

import TwinwatchCore
import GRDB

extension TwinwatchStore {
    /// Writes window deltas and offsets atomically: after a crash either all of a checkpoint is
    /// there or none of it, so restored windows always match the offsets consumption resumes from.
    public func write(_ checkpoint: Checkpoint) async throws(StoreError) {
        let updatedAt = Self.now()
        try await write { db in
            for delta in checkpoint.windows {
                let keyID = try Int64.fetchOne(db, sql: """
                    INSERT INTO window_key (model, cohort, dimension, appended, topic, partition, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (model, cohort) DO UPDATE SET dimension = excluded.dimension, appended = excluded.appended,
                        topic = excluded.topic, partition = excluded.partition, updated_at = excluded.updated_at
                    RETURNING id
                    """, arguments: [delta.model, delta.cohort, delta.dimension, delta.appended, delta.source?.topic,
                                     delta.source.map { Int64($0.partition) }, updatedAt])!
                if delta.newRows.count > 0 {
                    try db.execute(sql: """
                        INSERT OR REPLACE INTO window_chunk (key_id, first_seq, row_count, rows, timestamps, scores) VALUES (?, ?, ?, ?, ?, ?)
                        """, arguments: [keyID, delta.newRows.firstSeq, delta.newRows.count, FloatBlob.data(delta.newRows.values),
                                         FloatBlob.data(delta.newRows.timestamps), FloatBlob.data(delta.newRows.scores)])
                }
                // Chunks entirely before the window's oldest row, and any written past `appended`
                // by an earlier owner of the key whose progress this checkpoint supersedes.
                try db.execute(sql: "DELETE FROM window_chunk WHERE key_id = ? AND (first_seq + row_count <= ? OR first_seq >= ?)",
                               arguments: [keyID, delta.keepFromSeq, delta.appended])
            }
            for offset in checkpoint.offsets {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO consumer_offset (group_id, topic, partition, next_offset, updated_at) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [checkpoint.groupID, offset.source.topic, Int64(offset.source.partition), offset.nextOffset, updatedAt])
            }
        }
    }

    /// Checkpointed next offsets of `group` (synchronous: the rebalance callback asks on the poll thread).
    public func offsets(group: String) throws(StoreError) -> [TopicPartition: Int64] {
        try sync { db in
            var out: [TopicPartition: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT topic, partition, next_offset FROM consumer_offset WHERE group_id = ?", arguments: [group]) {
                out[TopicPartition(topic: row["topic"], partition: Int32(row["partition"] as Int64))] = row["next_offset"]
            }
            return out
        }
    }

    /// Forgets this store's windows fed by `sources` and its checkpointed offsets of them for
    /// `group`: another instance owned those partitions since and the group's commit is past this
    /// checkpoint, so the rows are an old tenure's that must never be restored (nor their offsets
    /// rewind the group). Synchronous: the rebalance callback decides on the poll thread.
    @discardableResult
    public func forget(sources: Set<TopicPartition>, group: String) throws(StoreError) -> Int {
        guard !sources.isEmpty else { return 0 }
        return try syncWrite { db in
            var windows = 0
            for source in sources {
                try db.execute(sql: "DELETE FROM window_key WHERE topic = ? AND partition = ?", arguments: [source.topic, Int64(source.partition)])
                windows += db.changesCount
                try db.execute(sql: "DELETE FROM consumer_offset WHERE group_id = ? AND topic = ? AND partition = ?",
                               arguments: [group, source.topic, Int64(source.partition)])
            }
            return windows
        }
    }

    /// Checkpointed windows whose source is one of `sources`, or with no source (aggregates) when
    /// `includeAggregates`; each holds at most its newest `capacity` rows.
    public func restoreWindows(sources: Set<TopicPartition>, includeAggregates: Bool, capacity: Int) async throws(StoreError) -> [RestoredWindow] {
        try await read { db in
            var restored: [RestoredWindow] = []
            for key in try Row.fetchAll(db, sql: "SELECT id, model, cohort, dimension, appended, topic, partition FROM window_key ORDER BY model, cohort") {
                let topic: String? = key["topic"]
                let partition: Int64? = key["partition"]
                let source = topic.flatMap { t in partition.map { TopicPartition(topic: t, partition: Int32($0)) } }
                if let source { guard sources.contains(source) else { continue } } else { guard includeAggregates else { continue } }
                let appended: Int64 = key["appended"]
                let dimension: Int = key["dimension"]
                let from = max(0, appended - Int64(capacity))
                var rows = WindowRows(firstSeq: from)
                for chunk in try Row.fetchAll(db, sql: """
                    SELECT first_seq, row_count, rows, timestamps, scores FROM window_chunk
                    WHERE key_id = ? AND first_seq + row_count > ? AND first_seq < ? ORDER BY first_seq
                    """, arguments: [key["id"] as Int64, from, appended]) {
                    let first: Int64 = chunk["first_seq"]
                    let count: Int = chunk["row_count"]
                    let skip = Int(max(0, from - first))
                    let values = try FloatBlob.floats(chunk["rows"])
                    let timestamps = try FloatBlob.int64s(chunk["timestamps"])
                    let scores = try FloatBlob.floats(chunk["scores"])
                    guard values.count == count * dimension, timestamps.count == count, scores.count == count else {
                        throw StoreError(.database, "window chunk \(key["model"] as String)/\(key["cohort"] as String)@\(first) is inconsistent")
                    }
                    if rows.count == 0 { rows.firstSeq = first + Int64(skip) }
                    rows.values.append(contentsOf: values[(skip * dimension)...])
                    rows.timestamps.append(contentsOf: timestamps[skip...])
                    rows.scores.append(contentsOf: scores[skip...])
                }
                restored.append(RestoredWindow(id: WindowID(model: key["model"], cohort: key["cohort"]), dimension: dimension,
                                               appended: appended, source: source, rows: rows))
            }
            return restored
        }
    }
}

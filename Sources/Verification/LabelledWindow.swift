/// One (model, cohort)'s recent labelled scores (DESIGN §6), bounded by count and by age, with the
/// confusion counts at the threshold in force kept up to date on every append and eviction.
///
/// Rows are a ring (oldest first) of score, time and label: 24 B per row (`MemoryLayout` stride,
/// measured in `LabelledWindowTests`), allocated by doubling up to `maxCount` rows, so a full window
/// of n rows holds 24·n B; the sorted copy `labelledScores()` makes for ROC and calibration costs
/// 9 B per row (plus the sort's scratch) while an evaluation runs. Appending and evicting are O(1) amortized; changing the threshold
/// recounts the window, O(n).
///
/// Age is measured against the window's clock, the latest time appended or passed to
/// `evict(nowMs:)`; a row whose time is earlier than the newest row's is stored at the newest
/// row's time, so that eviction stays first-in-first-out (rows arrive in label order, which is
/// nearly time order).
public struct LabelledWindow: Sendable {
    /// The window's bounds.
    public struct Settings: Sendable, Equatable {
        /// Rows kept, at most.
        public var maxCount: Int
        /// Rows older than this (against the window's clock) leave.
        public var maxAgeMs: Int64

        /// Bounds of at least one row and a non-negative age.
        public init(maxCount: Int, maxAgeMs: Int64) {
            self.maxCount = Swift.max(1, maxCount)
            self.maxAgeMs = Swift.max(0, maxAgeMs)
        }
    }

    struct Row: Sendable {
        var score: Double
        var atMs: Int64
        var genuine: Bool
    }

    public let settings: Settings
    /// The threshold the running counts are taken at (accept ⇔ score ≥ threshold).
    public private(set) var threshold: Double
    /// Confusion counts of the rows held, at `threshold`.
    public private(set) var counts = ConfusionCounts()
    /// The window's clock (`Int64.min` before the first row).
    public private(set) var nowMs: Int64 = .min
    /// Rows appended since the window was made.
    public private(set) var appended = 0
    /// Rows that left because they were older than `maxAgeMs`.
    public private(set) var evictedByAge = 0
    /// Rows that left to keep the window within `maxCount`.
    public private(set) var evictedByCount = 0
    private var rows: FIFORing<Row>

    /// An empty window counting at `threshold`.
    public init(settings: Settings, threshold: Double) {
        self.settings = settings
        self.threshold = threshold
        rows = FIFORing(filler: Row(score: 0, atMs: 0, genuine: false), limit: settings.maxCount)
    }

    /// Bytes one row costs in the ring.
    public static var bytesPerRow: Int { MemoryLayout<Row>.stride }

    /// Bytes the window's ring takes (allocated slots × row size).
    public var footprint: Int { rows.allocated * Self.bytesPerRow }

    /// Rows held.
    public var count: Int { rows.count }
    /// Genuine rows held.
    public var genuineCount: Int { counts.genuine }
    /// Impostor rows held.
    public var impostorCount: Int { counts.impostors }
    /// Time of the oldest row held (as stored: see the type's note on order).
    public var oldestMs: Int64? { rows.first?.atMs }

    /// Appends a labelled event at `atMs` (by default when its label became known); false, and
    /// nothing appended, when its score is not finite.
    @discardableResult
    public mutating func append(_ event: LabelledEvent, atMs: Int64? = nil) -> Bool {
        append(score: event.score, genuine: event.genuine, atMs: atMs ?? event.labelledAtMs)
    }

    /// Appends one labelled score at `atMs`, then lets rows beyond the bounds go; false, and
    /// nothing appended, when `score` is not finite.
    @discardableResult
    public mutating func append(score: Double, genuine: Bool, atMs: Int64) -> Bool {
        guard score.isFinite else { return false }
        let at = Swift.max(atMs, rows.last?.atMs ?? .min)
        if rows.count == settings.maxCount {
            remove(rows.removeFirst())
            evictedByCount += 1
        }
        let row = Row(score: score, atMs: at, genuine: genuine)
        rows.append(row)
        add(row)
        appended += 1
        evict(nowMs: at)
        return true
    }

    /// Moves the clock to `nowMs` (if later) and lets rows older than `maxAgeMs` go.
    public mutating func evict(nowMs: Int64) {
        self.nowMs = Swift.max(self.nowMs, nowMs)
        while let first = rows.first, self.nowMs - first.atMs > settings.maxAgeMs {
            remove(rows.removeFirst())
            evictedByAge += 1
        }
    }

    /// Counts at a new threshold from now on (recounts the rows held).
    public mutating func setThreshold(_ newThreshold: Double) {
        guard newThreshold != threshold else { return }
        threshold = newThreshold
        counts = ConfusionCounts()
        for i in 0..<rows.count { add(rows[i]) }
    }

    /// The rows' scores and labels, oldest first, for ROC and calibration.
    public func labelledScores() -> LabelledScores {
        var scores = [Double](), genuine = [Bool]()
        scores.reserveCapacity(rows.count)
        genuine.reserveCapacity(rows.count)
        for i in 0..<rows.count {
            let row = rows[i]
            scores.append(row.score)
            genuine.append(row.genuine)
        }
        return LabelledScores(scores: scores, genuine: genuine)
    }

    private mutating func add(_ row: Row) { tally(row, by: 1) }
    private mutating func remove(_ row: Row) { tally(row, by: -1) }

    private mutating func tally(_ row: Row, by delta: Int) {
        switch (row.genuine, row.score >= threshold) {
        case (true, true): counts.tp += delta
        case (true, false): counts.fn += delta
        case (false, true): counts.fp += delta
        case (false, false): counts.tn += delta
        }
    }
}

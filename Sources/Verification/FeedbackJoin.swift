import TwinwatchCore

/// What the serving system decided for an event (DESIGN §3 `decision`).
public enum ServingDecision: UInt8, Sendable, Equatable, CaseIterable {
    case accept, reject, review

    /// The decision named on the wire (`accept` / `reject` / `review`); nil for anything else.
    public init?(wire: String) {
        switch wire {
        case "accept": self = .accept
        case "reject": self = .reject
        case "review": self = .review
        default: return nil
        }
    }
}

/// A score with its ground truth: what the verification windows and calibrators consume.
public struct LabelledEvent: Sendable, Equatable {
    public var model: String
    public var cohort: String
    public var score: Double
    /// Label 1 (genuine match) is true, label 0 (impostor) false.
    public var genuine: Bool
    /// The event's time (for self-contained feedback, the feedback's time).
    public var atMs: Int64
    /// When the label became known to the join (equals `atMs` for inline and self-contained labels).
    public var labelledAtMs: Int64
    /// The serving decision, when the event reported one.
    public var decision: ServingDecision?
    /// The threshold the serving system applied, when the event reported one.
    public var threshold: Double?

    /// A labelled score.
    public init(model: String, cohort: String, score: Double, genuine: Bool, atMs: Int64,
                labelledAtMs: Int64? = nil, decision: ServingDecision? = nil, threshold: Double? = nil) {
        self.model = model
        self.cohort = cohort
        self.score = score
        self.genuine = genuine
        self.atMs = atMs
        self.labelledAtMs = labelledAtMs ?? atMs
        self.decision = decision
        self.threshold = threshold
    }
}

/// What happened to one label (or, for `recordEvent`, to a label that was waiting for its event).
public enum JoinOutcome: Sendable, Equatable {
    /// The label found its event (or needed none).
    case joined(LabelledEvent)
    /// No event with this id yet: the label waits in the early-label map for its event.
    case pending
    /// No event with this id and no room to wait (early-label map disabled).
    case orphan
    /// The event already has a label; the first label stands.
    case duplicate
    /// The event left the join by TTL before its label came.
    case expired
    /// The event was pushed out by the join's capacity before its label came.
    case evicted
    /// The label is not 0 or 1, or the score is not finite.
    case invalid
}

/// Why a label produced no labelled event (`twinwatch_feedback_unmatched_total{reason}`).
public enum UnmatchedReason: String, Sendable, CaseIterable {
    /// No event came for it while it waited (or it was pushed out of the early-label map).
    case orphan
    case duplicate
    case expired
    case evicted
    case invalid
}

/// How a labelled event came about.
public enum JoinKind: String, Sendable, CaseIterable {
    /// Event first, label later (the usual case).
    case matched
    /// Label first, its event later (the label waited in the early-label map).
    case lateEvent = "late_event"
    /// The event carried its own label.
    case inline
    /// Self-contained `scored` feedback.
    case selfContained = "self_contained"
}

/// The join's counters since start; every label ends up in exactly one of `joined` (at once or
/// after waiting), `unmatched`, or `pendingLabels` (still waiting).
public struct FeedbackJoinCounters: Sendable, Equatable {
    /// Labelled events produced, by how they came about.
    public internal(set) var joined: [JoinKind: Int] = Dictionary(uniqueKeysWithValues: JoinKind.allCases.map { ($0, 0) })
    /// Labels that produced none, by reason (`twinwatch_feedback_unmatched_total{reason}`).
    public internal(set) var unmatched: [UnmatchedReason: Int] = Dictionary(uniqueKeysWithValues: UnmatchedReason.allCases.map { ($0, 0) })
    /// Scored events recorded to wait for a label.
    public internal(set) var eventsRecorded = 0
    /// Events seen again while still held (redelivery): the first one stands.
    public internal(set) var eventsDuplicate = 0
    /// Unlabelled events that left by TTL (normal: most events never get a label).
    public internal(set) var eventsExpired = 0
    /// Unlabelled events pushed out by capacity before their TTL: the capacity is too small for the TTL.
    public internal(set) var eventsEvicted = 0
}

/// Joins late labels to the scored events they belong to (DESIGN §3): a bounded map with a TTL.
///
/// Three bounded maps, each a dictionary plus an insertion-ordered ring for expiry, so every
/// operation is O(1) amortized:
/// - events waiting for a label (at most `capacity`, for `ttlMs`); a joined event stays, marked,
///   so that a second label is recognised as a duplicate;
/// - early labels waiting for their event (at most `earlyLabelCapacity`, for `earlyLabelTTLMs`);
///   a label whose event never comes is counted `orphan` when it leaves;
/// - tombstones of events that left (at most `tombstoneCapacity`, for `tombstoneTTLMs`), so that a
///   label arriving after its event left is counted `expired` / `evicted` / `duplicate`, not `orphan`.
///
/// Events are keyed by a 64-bit SipHash of the event id (per-process random seed; nothing is
/// persisted), not the id itself: ids up to 128 B would otherwise cost a heap allocation each. Two
/// held ids collide with probability ≈ held / 2⁶⁴ per label (< 10⁻¹³ at a million held).
/// Model and cohort names are interned once per (model, cohort).
///
/// Memory, measured (`FeedbackJoinTests`, glibc heap, a million entries of each kind, 35-byte ids):
/// 101 B per held event (a 40 B dictionary bucket at the load a million leaves, ½, plus a 16 B ring
/// slot; it ranges from about 70 B to 140 B with where the dictionary's power-of-two growth stands),
/// 66 B per early label and 36 B per tombstone — whatever the id's length.
///
/// Time is the caller's (ms): the join's clock is the largest time it has been given, and an
/// entry's age counts from the clock when it was recorded (an old event arriving late still gets a
/// full TTL, and expiry stays first-in-first-out). Processing time is the natural clock.
public struct FeedbackJoin: Sendable {
    /// Sizes and lifetimes of the three maps.
    public struct Settings: Sendable, Equatable {
        /// Events held for a label, at most.
        public var capacity: Int
        /// How long an event waits for its label.
        public var ttlMs: Int64
        /// Labels held waiting for their event, at most (0: a label without its event is an orphan at once).
        public var earlyLabelCapacity: Int
        /// How long a label waits for its event.
        public var earlyLabelTTLMs: Int64
        /// Departed events remembered, at most (0: a label after its event left counts as `orphan`).
        public var tombstoneCapacity: Int
        /// How long a departed event is remembered.
        public var tombstoneTTLMs: Int64

        /// Settings; by default the early-label map is a tenth of the event map and waits a minute,
        /// and tombstones are as many as events and live as long.
        public init(capacity: Int, ttlMs: Int64, earlyLabelCapacity: Int? = nil, earlyLabelTTLMs: Int64 = 60_000,
                    tombstoneCapacity: Int? = nil, tombstoneTTLMs: Int64? = nil) {
            self.capacity = Swift.max(1, capacity)
            self.ttlMs = Swift.max(0, ttlMs)
            self.earlyLabelCapacity = Swift.max(0, earlyLabelCapacity ?? capacity / 10)
            self.earlyLabelTTLMs = Swift.max(0, earlyLabelTTLMs)
            self.tombstoneCapacity = Swift.max(0, tombstoneCapacity ?? capacity)
            self.tombstoneTTLMs = Swift.max(0, tombstoneTTLMs ?? ttlMs)
        }
    }

    private struct Held {
        var score: Double
        /// NaN when the event reported none (saves the 8 B an Optional would pad to).
        var threshold: Double
        var atMs: Int64
        var key: UInt32
        var decision: ServingDecision?
        var labelled: Bool
    }

    private struct EarlyLabel {
        var genuine: Bool
        var labelledAtMs: Int64
    }

    private enum Departure: UInt8 { case expired, evicted, labelled }

    private struct Slot {
        var hash: UInt64
        var atMs: Int64
    }

    public let settings: Settings
    /// Counters since start, for the daemon's metrics.
    public private(set) var counters = FeedbackJoinCounters()
    /// The join's clock: the largest time it has been given.
    public private(set) var nowMs: Int64 = .min

    private var held: [UInt64: Held] = [:]
    private var heldOrder = FIFORing(filler: Slot(hash: 0, atMs: 0))
    private var early: [UInt64: EarlyLabel] = [:]
    private var earlyOrder = FIFORing(filler: Slot(hash: 0, atMs: 0))
    private var tombstones: [UInt64: Departure] = [:]
    private var tombstoneOrder = FIFORing(filler: Slot(hash: 0, atMs: 0))
    private var keyIndex: [CohortKey: UInt32] = [:]
    private var keys: [CohortKey] = []

    private struct CohortKey: Hashable, Sendable {
        var model: String
        var cohort: String
    }

    /// An empty join.
    public init(settings: Settings) { self.settings = settings }

    /// Events held for a label (≤ `settings.capacity`).
    public var heldEvents: Int { held.count }
    /// Labels waiting for their event (≤ `settings.earlyLabelCapacity`).
    public var pendingLabels: Int { early.count }
    /// Departed events remembered (≤ `settings.tombstoneCapacity`).
    public var rememberedDepartures: Int { tombstones.count }

    /// Records a scored event to wait for its label; returns the labelled event when its label came
    /// first (nil otherwise, and for a non-finite score or an event seen before).
    public mutating func recordEvent(eventID: String, model: String, cohort: String, score: Double,
                                     decision: ServingDecision? = nil, threshold: Double? = nil, atMs: Int64) -> LabelledEvent? {
        guard score.isFinite else { return nil }
        advance(toMs: atMs)
        let hash = Self.hash(eventID)
        if held[hash] != nil || tombstones[hash] == .labelled {
            counters.eventsDuplicate += 1
            return nil
        }
        counters.eventsRecorded += 1
        let waiting = early.removeValue(forKey: hash)
        insertHeld(hash, Held(score: score, threshold: threshold ?? .nan, atMs: atMs, key: intern(model, cohort),
                              decision: decision, labelled: waiting != nil))
        guard let waiting else { return nil }
        counters.joined[.lateEvent, default: 0] += 1
        return LabelledEvent(model: model, cohort: cohort, score: score, genuine: waiting.genuine, atMs: atMs,
                             labelledAtMs: waiting.labelledAtMs, decision: decision, threshold: threshold)
    }

    /// Joins a label (1 genuine, 0 impostor) to its event, or says why it cannot.
    public mutating func recordLabel(eventID: String, label: Int, atMs: Int64) -> JoinOutcome {
        advance(toMs: atMs)
        guard label == 0 || label == 1 else { return unmatched(.invalid) }
        let hash = Self.hash(eventID)
        if var entry = held[hash] {
            if entry.labelled { return unmatched(.duplicate) }
            entry.labelled = true
            held[hash] = entry
            counters.joined[.matched, default: 0] += 1
            let key = keys[Int(entry.key)]
            return .joined(LabelledEvent(model: key.model, cohort: key.cohort, score: entry.score, genuine: label == 1,
                                         atMs: entry.atMs, labelledAtMs: atMs, decision: entry.decision,
                                         threshold: entry.threshold.isNaN ? nil : entry.threshold))
        }
        switch tombstones[hash] {
        case .labelled?: return unmatched(.duplicate)
        case .expired?: return unmatched(.expired)
        case .evicted?: return unmatched(.evicted)
        case nil: break
        }
        if early[hash] != nil { return unmatched(.duplicate) }
        guard settings.earlyLabelCapacity > 0 else { return unmatched(.orphan) }
        early[hash] = EarlyLabel(genuine: label == 1, labelledAtMs: atMs)
        earlyOrder.append(Slot(hash: hash, atMs: nowMs))
        while early.count > settings.earlyLabelCapacity { dropOldestEarlyLabel() }
        compactEarlyOrderIfNeeded()
        return .pending
    }

    /// Self-contained `scored` feedback of time `atMs`, received at `labelledAtMs` (default `atMs`):
    /// already a labelled event, no join needed.
    public mutating func selfContained(model: String, cohort: String, score: Double, label: Int, atMs: Int64,
                                       labelledAtMs: Int64? = nil) -> JoinOutcome {
        guard label == 0 || label == 1, score.isFinite else { return unmatched(.invalid) }
        counters.joined[.selfContained, default: 0] += 1
        return .joined(LabelledEvent(model: model, cohort: cohort, score: score, genuine: label == 1, atMs: atMs,
                                     labelledAtMs: labelledAtMs))
    }

    /// A decoded event received at `atMs`: inline-labelled → `.joined` at once (and remembered, so a
    /// later label is a duplicate); scored → waits for its label (`.joined` if the label came first,
    /// else nil); nil too without a score (nothing to join) and for an event seen before (redelivery).
    public mutating func record(_ event: InferenceEvent, atMs: Int64) -> JoinOutcome? {
        guard let score = event.score else { return nil }
        let decision = event.decision.flatMap(ServingDecision.init(wire:))
        guard let label = event.label else {
            return recordEvent(eventID: event.eventID, model: event.model, cohort: event.cohort, score: score,
                               decision: decision, threshold: event.threshold, atMs: atMs).map(JoinOutcome.joined)
        }
        guard label == 0 || label == 1, score.isFinite else { return unmatched(.invalid) }
        advance(toMs: atMs)
        let hash = Self.hash(event.eventID)
        if let entry = held[hash] {
            if entry.labelled {
                counters.eventsDuplicate += 1
                return nil
            }
            held[hash]?.labelled = true
        } else if tombstones[hash] == .labelled {
            counters.eventsDuplicate += 1
            return nil
        } else {
            // A label that waited for this event loses to the inline one.
            if early.removeValue(forKey: hash) != nil { counters.unmatched[.duplicate, default: 0] += 1 }
            counters.eventsRecorded += 1
            insertHeld(hash, Held(score: score, threshold: event.threshold ?? .nan, atMs: event.timestampMs,
                                  key: intern(event.model, event.cohort), decision: decision, labelled: true))
        }
        counters.joined[.inline, default: 0] += 1
        return .joined(LabelledEvent(model: event.model, cohort: event.cohort, score: score, genuine: label == 1,
                                     atMs: event.timestampMs, labelledAtMs: atMs,
                                     decision: decision, threshold: event.threshold))
    }

    /// Decoded feedback: join labels, pass self-contained ones through; nil for retrieval feedback
    /// (not a verification label).
    public mutating func record(_ feedback: Feedback, atMs: Int64) -> JoinOutcome? {
        switch feedback {
        case let .label(eventID, label, _): recordLabel(eventID: eventID, label: label, atMs: atMs)
        case let .scored(model, cohort, score, label, ts):
            selfContained(model: model, cohort: cohort, score: score, label: label, atMs: ts, labelledAtMs: atMs)
        case .retrieval: nil
        }
    }

    /// Moves the clock to `atMs` (if later) and lets everything older than its TTL go; call it on a
    /// timer so that orphans are counted without traffic.
    public mutating func advance(toMs atMs: Int64) {
        guard atMs > nowMs else { return }
        nowMs = atMs
        while let first = heldOrder.first, nowMs - first.atMs > settings.ttlMs { dropOldestHeld(evicted: false) }
        while let first = earlyOrder.first, nowMs - first.atMs > settings.earlyLabelTTLMs {
            earlyOrder.removeFirst()
            if early.removeValue(forKey: first.hash) != nil { counters.unmatched[.orphan, default: 0] += 1 }
        }
        while let first = tombstoneOrder.first, nowMs - first.atMs > settings.tombstoneTTLMs {
            tombstoneOrder.removeFirst()
            tombstones[first.hash] = nil
        }
    }

    // MARK: - Maps

    private mutating func insertHeld(_ hash: UInt64, _ entry: Held) {
        held[hash] = entry
        heldOrder.append(Slot(hash: hash, atMs: nowMs))
        if held.count > settings.capacity { dropOldestHeld(evicted: true) }
    }

    /// Held and its ring are one-to-one: an id is inserted only when absent and leaves only here.
    private mutating func dropOldestHeld(evicted: Bool) {
        let slot = heldOrder.removeFirst()
        guard let entry = held.removeValue(forKey: slot.hash) else { return }
        let departure: Departure
        if entry.labelled {
            departure = .labelled
        } else if evicted {
            departure = .evicted
            counters.eventsEvicted += 1
        } else {
            departure = .expired
            counters.eventsExpired += 1
        }
        remember(slot.hash, departure)
    }

    private mutating func remember(_ hash: UInt64, _ departure: Departure) {
        guard settings.tombstoneCapacity > 0 else { return }
        // An id already remembered keeps its older ring slot (and so leaves a little early).
        if tombstones.updateValue(departure, forKey: hash) == nil {
            tombstoneOrder.append(Slot(hash: hash, atMs: nowMs))
            if tombstones.count > settings.tombstoneCapacity {
                tombstones[tombstoneOrder.removeFirst().hash] = nil
            }
        }
    }

    /// The early-label ring also holds slots of labels that have since joined (removed from the map
    /// by `recordEvent`); they are skipped here and compacted away.
    private mutating func dropOldestEarlyLabel() {
        while let slot = earlyOrder.first {
            earlyOrder.removeFirst()
            if early.removeValue(forKey: slot.hash) != nil {
                counters.unmatched[.orphan, default: 0] += 1
                return
            }
        }
    }

    /// Keeps the early-label ring within twice its map (O(n) once per n joins: amortized O(1)).
    private mutating func compactEarlyOrderIfNeeded() {
        guard earlyOrder.count > 2 * Swift.max(early.count, 64) else { return }
        let early = self.early
        earlyOrder.removeAll { early[$0.hash] == nil }
    }

    private mutating func unmatched(_ reason: UnmatchedReason) -> JoinOutcome {
        counters.unmatched[reason, default: 0] += 1
        switch reason {
        case .orphan: return .orphan
        case .duplicate: return .duplicate
        case .expired: return .expired
        case .evicted: return .evicted
        case .invalid: return .invalid
        }
    }

    /// Bytes the join's storage takes, from its tables' capacities (hash tables at their 3/4 maximum
    /// load; ids are hashed, names interned, so entries do not grow with id length).
    public var footprint: Int {
        func table<V>(_ d: [UInt64: V]) -> Int { Int((Double(d.capacity) / 0.75).rounded(.up)) * (8 + MemoryLayout<V>.stride) }
        return table(held) + table(early) + table(tombstones)
            + (heldOrder.allocated + earlyOrder.allocated + tombstoneOrder.allocated) * MemoryLayout<Slot>.stride
    }

    /// The model and cohort of a held event (retrieval feedback is joined by it); nil when not held.
    public func source(of eventID: String) -> (model: String, cohort: String)? {
        held[Self.hash(eventID)].map { (keys[Int($0.key)].model, keys[Int($0.key)].cohort) }
    }

    private mutating func intern(_ model: String, _ cohort: String) -> UInt32 {
        let key = CohortKey(model: model, cohort: cohort)
        if let index = keyIndex[key] { return index }
        let index = UInt32(keys.count)
        keys.append(key)
        keyIndex[key] = index
        return index
    }

    private static func hash(_ eventID: String) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(eventID)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }
}

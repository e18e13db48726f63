import Alerting
import Histogram
import StateStore
import TwinwatchCore

/// Serving SLIs of one (model, cohort) — or the model aggregate, cohort `all` — over one evaluation
/// interval, from the events' optional fields (DESIGN §3): QPS, error rate (`status`), manual-review
/// rate (`decision` of a multi-stage pipeline), latency P50 / P99 (`latency_ms`).
public struct ServingSLIs: Sendable, Equatable {
    public var model: String
    public var cohort: String
    public var events: Int
    public var qps: Double
    /// Share of the events with a `status` that reported `error`; nil without any status.
    public var errorRate: Double?
    /// Share of the events with a `decision` that went to `review`; nil without any decision.
    public var reviewRate: Double?
    public var latencyP50Ms: Double?
    public var latencyP99Ms: Double?

    /// The `sli.*` alert signals of this key.
    var samples: [SignalSample] {
        let labels = ["model": model, "cohort": cohort]
        var out = [SignalSample(signal: .qps, labels: labels, value: qps)]
        if let v = errorRate { out.append(SignalSample(signal: .errorRate, labels: labels, value: v)) }
        if let v = reviewRate { out.append(SignalSample(signal: .reviewRate, labels: labels, value: v)) }
        if let v = latencyP50Ms { out.append(SignalSample(signal: .latencyP50, labels: labels, value: v)) }
        if let v = latencyP99Ms { out.append(SignalSample(signal: .latencyP99, labels: labels, value: v)) }
        return out
    }
}

/// Accumulates the events' serving telemetry per (model, cohort) and per model between two
/// evaluation rounds. Latencies go to an HdrHistogram of 2 significant digits (1 % value
/// resolution) over 1 µs … 1 h, about 20 KiB per key that reports latencies, created on first use;
/// keys are bounded by the windows' cohort cap.
struct ServingTelemetry: Sendable {
    struct Tally: Sendable {
        var events = 0
        var withStatus = 0
        var errors = 0
        var withDecision = 0
        var reviews = 0
        var latency: Histogram<UInt64>?
    }

    private(set) var tallies: [WindowID: Tally] = [:]

    /// Counts one event under its cohort's key (after the cohort cap) and the model's aggregate.
    mutating func record(_ event: InferenceEvent, key: WindowID) {
        add(event, to: key)
        if key.cohort != WindowSettings.aggregateCohort { add(event, to: WindowID(model: key.model, cohort: WindowSettings.aggregateCohort)) }
    }

    private mutating func add(_ event: InferenceEvent, to key: WindowID) {
        var t = tallies[key] ?? Tally()
        t.events += 1
        if let status = event.status {
            t.withStatus += 1
            if status == "error" { t.errors += 1 }
        }
        if let decision = event.decision {
            t.withDecision += 1
            if decision == "review" { t.reviews += 1 }
        }
        if let ms = event.latencyMs, ms.isFinite, ms >= 0 {
            if t.latency == nil { t.latency = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: Self.maxMicros, numberOfSignificantValueDigits: .two) }
            _ = t.latency?.record(UInt64(min(ms * 1000, Double(Self.maxMicros)).rounded()))
        }
        tallies[key] = t
    }

    /// 1 h in microseconds: latencies above are recorded as 1 h.
    static let maxMicros: UInt64 = 3_600_000_000

    /// The SLIs since the last call over `seconds`, then starts over.
    mutating func take(overSeconds seconds: Double) -> [ServingSLIs] {
        defer { tallies = [:] }
        return tallies.sorted { ($0.key.model, $0.key.cohort) < ($1.key.model, $1.key.cohort) }.map { key, t in
            let latency = t.latency.flatMap { $0.totalCount > 0 ? $0 : nil }
            return ServingSLIs(model: key.model, cohort: key.cohort, events: t.events, qps: seconds > 0 ? Double(t.events) / seconds : 0,
                               errorRate: t.withStatus > 0 ? Double(t.errors) / Double(t.withStatus) : nil,
                               reviewRate: t.withDecision > 0 ? Double(t.reviews) / Double(t.withDecision) : nil,
                               latencyP50Ms: latency.map { Double($0.valueAtPercentile(50)) / 1000 },
                               latencyP99Ms: latency.map { Double($0.valueAtPercentile(99)) / 1000 })
        }
    }
}

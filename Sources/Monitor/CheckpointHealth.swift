/// Whether checkpoints are being written, for readiness: a full disk or a read-only store can let
/// small writes through while every checkpoint fails, and a daemon whose checkpoints fail replays
/// more and more after a crash and never commits offsets. Failing means no checkpoint succeeded
/// since the first failure; an idle daemon (nothing to checkpoint) is not failing.
public struct CheckpointHealth: Sendable, Equatable {
    /// The last checkpoint written (nil: none since start).
    public private(set) var lastSuccess: ContinuousClock.Instant?
    /// The first failure after the last success (nil: the last attempt succeeded, or none failed).
    public private(set) var failingSince: ContinuousClock.Instant?
    /// Failed attempts since the last success.
    public private(set) var failures = 0

    public init() {}

    public mutating func succeeded(at now: ContinuousClock.Instant) {
        lastSuccess = now
        failingSince = nil
        failures = 0
    }

    public mutating func failed(at now: ContinuousClock.Instant) {
        if failingSince == nil { failingSince = now }
        failures += 1
    }

    /// How long checkpoints may fail before readiness turns false: 3 × `checkpoint.interval` (three
    /// attempts, so one lock held past the busy timeout does not flap it), at least 30 s.
    public static func bound(interval: Duration) -> Duration { max(interval * 3, .seconds(30)) }

    /// How long checkpoints have been failing at `now` (zero when they are not).
    public func failingFor(at now: ContinuousClock.Instant) -> Duration {
        guard let failingSince else { return .zero }
        return failingSince.duration(to: now)
    }

    /// Whether checkpoints have been failing for longer than `bound(interval:)` at `now`.
    public func isFailing(at now: ContinuousClock.Instant, interval: Duration) -> Bool {
        failingSince != nil && failingFor(at: now) > Self.bound(interval: interval)
    }
}

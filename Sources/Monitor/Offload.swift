import Dispatch
import Synchronization
import TwinwatchCore

/// Runs CPU-heavy estimator work on a Dispatch queue, so the cooperative pool (ingest, HTTP) never waits for it.
func offload<T: Sendable>(on queue: DispatchQueue = .global(), _ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        queue.async { continuation.resume(with: Result { try work() }) }
    }
}

/// Runs `work` on a Dispatch thread and returns its result, or nil once `budget` has passed
/// without one: the caller goes on, the work runs to its end on its thread and its result is
/// dropped. So a stuck estimator holds one thread, not the evaluation round (nor the watchdog).
func offload<T: Sendable>(within budget: Duration, _ work: @escaping @Sendable () throws -> T) async throws -> T? {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T?, any Error>) in
        let once = ResumeOnce(continuation)
        DispatchQueue.global().asyncAfter(deadline: .after(budget)) { once.resume(with: .success(nil)) }
        DispatchQueue.global().async { once.resume(with: Result { try work() }.map { Optional($0) }) }
    }
}

/// A continuation resumed by whichever of two racers comes first.
private final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T?, any Error>?>

    init(_ continuation: CheckedContinuation<T?, any Error>) { self.continuation = Mutex(continuation) }

    func resume(with result: Result<T?, any Error>) { continuation.withLock { $0.take() }?.resume(with: result) }
}

extension DispatchTime {
    /// Now plus `duration` (saturating).
    static func after(_ duration: Duration) -> DispatchTime { .now() + .nanoseconds(Int(clamping: duration.nanoseconds)) }
}

import Foundation
import Synchronization

/// Runs a blocking librdkafka call on a thread of its own and waits for it at most `timeout`.
///
/// A thread of its own, not Dispatch's pool: that pool is as wide as the cores and the
/// estimators can hold all of it. On timeout the call keeps running on its thread (retaining
/// what it captured, so the client it uses stays alive) and `nil` is returned: a broker that
/// never answers cannot hold a checkpoint or a shutdown longer than the bound.
func blockingCall<T: Sendable>(_ name: String, timeout: Duration?, _ body: @escaping @Sendable () -> T) async -> T? {
    await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
        let answer = FirstAnswer(continuation)
        let thread = Thread { answer.resume(body()) }
        thread.name = "twinwatch-kafka-\(name)"
        thread.start()
        if let timeout { answer.resume(nil, after: timeout) }
    }
}

/// A continuation resumed by whichever answer comes first (the others are ignored).
final class FirstAnswer<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, Never>?>

    init(_ continuation: CheckedContinuation<T, Never>) { self.continuation = Mutex(continuation) }

    func resume(_ value: T) { continuation.withLock { $0.take() }?.resume(returning: value) }

    func resume(_ value: T, after delay: Duration) {
        Task {
            try? await Task.sleep(for: delay)
            self.resume(value)
        }
    }
}

import Foundation
import Synchronization

/// The receiving end of systemd's notification socket, as systemd has it: a datagram `AF_UNIX`
/// socket bound to a path; every datagram is one notification (with the time it arrived).
final class NotifySocket: Sendable {
    let path: String
    private let fd: Int32
    private let received = Mutex<[(at: ContinuousClock.Instant, message: String)]>([])
    private let closed = Atomic<Bool>(false)

    init(directory: URL) throws {
        path = directory.appendingPathComponent("notify.sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !closed.load(ordering: .relaxed) {
                let n = recv(fd, &buffer, buffer.count, 0)
                guard n > 0 else { continue }
                let message = String(decoding: buffer[0..<n], as: UTF8.self)
                received.withLock { $0.append((.now, message)) }
            }
        }
        thread.start()
    }

    var messages: [(at: ContinuousClock.Instant, message: String)] { received.withLock { $0 } }

    /// Indexes of the messages containing `text`.
    func indexes(of text: String) -> [Int] { messages.enumerated().filter { $0.element.message.contains(text) }.map(\.offset) }

    deinit {
        closed.store(true, ordering: .relaxed)
        close(fd)
        unlink(path)
    }
}

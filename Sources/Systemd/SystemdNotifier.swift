#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The service manager notification protocol (sd_notify(3)) without libsystemd: one datagram per
/// message to the `AF_UNIX` socket named by `$NOTIFY_SOCKET` (a path, or an abstract name written
/// with a leading `@`). Without that variable (not started by systemd with `Type=notify`) every
/// send is a no-op, so the daemon runs the same under a terminal.
public struct SystemdNotifier: Sendable {
    /// The socket address as given (`/run/systemd/notify` or `@name`); nil: not under systemd.
    public let socketPath: String?

    public init(environment: [String: String]) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path.flatMap { $0.hasPrefix("/") || $0.hasPrefix("@") ? $0 : nil }
    }

    /// Whether messages go anywhere.
    public var isEnabled: Bool { socketPath != nil }

    /// Sends `message` (newline-separated `KEY=VALUE` assignments). Returns false when it could not
    /// be sent (logged by the caller); systemd treats a missing notification as the service's
    /// problem, never as a crash of ours.
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard let socketPath else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        // An abstract socket's name starts with a NUL byte instead of "@", and is not NUL-terminated.
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = MemoryLayout<sa_family_t>.size + pathBytes.count + (abstract ? 0 : 1)
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                bytes.withUnsafeBytes { buffer in
                    sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), sockaddrPointer, socklen_t(length))
                }
            }
        }
        return sent == bytes.count
    }

    /// `CLOCK_MONOTONIC` in microseconds, for `RELOADING=1` + `MONOTONIC_USEC=` (systemd ≥ 253
    /// requires it with `Type=notify-reload`; 252 ignores it).
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}

/// The watchdog systemd expects (`WatchdogSec=` → `$WATCHDOG_USEC`, for the process in
/// `$WATCHDOG_PID` when set): a `WATCHDOG=1` within every `timeout`, so pinged every half.
public struct WatchdogSchedule: Sendable, Equatable {
    public let timeout: Duration

    /// Nil when systemd expects no watchdog pings from this process.
    public init?(environment: [String: String], pid: Int32 = getpid()) {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"], Int32(owner) != pid { return nil }
        timeout = .microseconds(Int64(usec))
    }

    /// How often to ping.
    public var interval: Duration { timeout / 2 }
}

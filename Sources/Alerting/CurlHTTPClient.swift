import CCurl
import Dispatch
import Foundation
import TwinwatchCore

/// The outcome of one HTTP request.
public struct HTTPResponse: Sendable {
    public let status: Int
    public let body: [UInt8]
    /// Seconds from a `Retry-After` header (delta-seconds or HTTP-date), when the server sent one.
    public let retryAfterSeconds: Int?

    public init(status: Int, body: [UInt8], retryAfterSeconds: Int? = nil) {
        self.status = status
        self.body = body
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The wait a `Retry-After` value asks for (RFC 7231 §7.1.3): delta-seconds, or an HTTP-date in
    /// any of the three forms of §7.1.1.1 less `now`, rounded up and never negative; nil when malformed.
    public static func retryAfterSeconds(_ value: String, now: Date = Date()) -> Int? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return Int(text) ?? Int.max
        }
        guard let date = HTTPDate.seconds(text, now: now) else { return nil }
        let wait = (Double(date) - now.timeIntervalSince1970).rounded(.up)
        return wait > 0 ? Int(min(wait, Double(Int32.max))) : 0
    }
}

/// A transport failure (DNS, connect, TLS, timeout, cancellation) reported by libcurl.
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    public let code: Int
    public let message: String
    public var description: String { "curl error \(code): \(message)" }

    /// The request was abandoned because the calling task was cancelled.
    public var isCancellation: Bool { code == Self.cancelledCode }

    static let cancelledCode = Int(CURLE_ABORTED_BY_CALLBACK.rawValue)
    static let cancelled = HTTPTransportError(code: cancelledCode, message: "request cancelled")
}

/// Blocking libcurl transfers run on their own threads, exposed as async calls that end promptly
/// when the calling task is cancelled.
///
/// TLS peer and host verification stay on (libcurl's default; nothing here turns them off).
/// Proxies come from the environment (`https_proxy`, `http_proxy`, `no_proxy`), which libcurl reads
/// by default: a daemon behind an egress proxy needs no option of ours.
public struct CurlHTTPClient: Sendable {
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public init() { _ = Self.globalInit }

    /// POSTs `request`, failing after `timeoutMs` (connect: at most 5 s of it) or when the task is cancelled.
    public func send(_ request: HTTPRequest, timeoutMs: Int) async throws(HTTPTransportError) -> HTTPResponse {
        try await perform(url: request.url, body: request.body, headers: request.headers, timeoutMs: timeoutMs)
    }

    /// POSTs `body` to `url` with `headers` ("Name: value"), failing after `timeoutMs`.
    public func post(url: String, body: [UInt8], headers: [String], timeoutMs: Int) async throws(HTTPTransportError) -> HTTPResponse {
        try await perform(url: url, body: body, headers: headers, timeoutMs: timeoutMs)
    }

    /// GETs `url`.
    public func get(url: String, headers: [String] = [], timeoutMs: Int) async throws(HTTPTransportError) -> HTTPResponse {
        try await perform(url: url, body: nil, headers: headers, timeoutMs: timeoutMs)
    }

    /// A POST when `body` is given, else a GET. The transfer blocks a thread of its own, never the
    /// cooperative pool or Dispatch's; cancelling the task raises a flag that the transfer loop checks every 50 ms.
    private func perform(url: String, body: [UInt8]?, headers: [String], timeoutMs: Int) async throws(HTTPTransportError) -> HTTPResponse {
        let cancellation = CancellationFlag()
        let result: Result<HTTPResponse, HTTPTransportError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // A thread of its own, not Dispatch's pool: the pool is as wide as the cores, and the
                // daemon's estimators and null calibrations can hold it for minutes — a page must
                // not wait behind them. Requests are rare (notifications), so a thread each is cheap.
                let thread = Thread {
                    guard let easy = CurlEasy(), let multi = CurlMulti() else {
                        return continuation.resume(returning: .failure(HTTPTransportError(code: -1, message: "curl init failed")))
                    }
                    continuation.resume(returning: easy.perform(url: url, body: body, headers: headers, timeoutMs: timeoutMs,
                                                                in: multi, cancellation: cancellation))
                }
                thread.name = "twinwatch-curl"
                thread.start()
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try result.get()
    }
}

/// Set once by a task's cancellation handler, read by the transfer thread.
private final class CancellationFlag: @unchecked Sendable {
    // @unchecked: the only state is `cancelled`, read and written under `lock`.
    private let lock = NSLock()
    private var cancelled = false

    func cancel() { lock.withLock { cancelled = true } }
    var isCancelled: Bool { lock.withLock { cancelled } }
}

/// Owns one `CURLM*` multi handle; `deinit` cleans it up. Not shared between threads.
private final class CurlMulti {
    let handle: UnsafeMutableRawPointer

    init?() {
        guard let handle = curl_multi_init() else { return nil }
        self.handle = handle
    }
    deinit { curl_multi_cleanup(handle) }

    /// Drives `easy` to its end. `curl_easy_perform` would wait up to a second between progress
    /// callbacks on an idle connection; polling with a short timeout sees a cancellation within
    /// `tickMs`.
    func run(_ easy: UnsafeMutableRawPointer, cancellation: CancellationFlag, tickMs: Int32 = 50) -> CURLcode {
        guard curl_multi_add_handle(handle, easy) == CURLM_OK else { return CURLE_FAILED_INIT }
        defer { curl_multi_remove_handle(handle, easy) }
        var running: Int32 = 1
        while true {
            if cancellation.isCancelled { return CURLE_ABORTED_BY_CALLBACK }
            guard curl_multi_perform(handle, &running) == CURLM_OK else { return CURLE_FAILED_INIT }
            if running == 0 { break }
            guard curl_multi_poll(handle, nil, 0, tickMs, nil) == CURLM_OK else { return CURLE_FAILED_INIT }
        }
        var queued: Int32 = 0
        while let message = curl_multi_info_read(handle, &queued) {
            if message.pointee.msg == CURLMSG_DONE { return twinwatch_curl_msg_result(message) }
        }
        return CURLE_FAILED_INIT
    }
}

/// Owns one `CURL*` easy handle; `deinit` cleans it up. Not shared between threads.
private final class CurlEasy {
    private let handle: UnsafeMutableRawPointer

    init?() {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
    }
    deinit { curl_easy_cleanup(handle) }

    func perform(url: String, body: [UInt8]?, headers: [String], timeoutMs: Int, in multi: CurlMulti,
                 cancellation: CancellationFlag) -> Result<HTTPResponse, HTTPTransportError> {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        // libcurl would send `Expect: 100-continue` for larger bodies and wait up to a second for
        // an interim answer that many small servers never send.
        for header in headers + (body == nil ? [] : ["Expect:"]) { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        let sink = ResponseSink()
        let unmanagedSink = Unmanaged.passRetained(sink)
        defer { unmanagedSink.release() }
        let unmanagedFlag = Unmanaged.passRetained(cancellation)
        defer { unmanagedFlag.release() }

        twinwatch_curl_setopt_string(handle, CURLOPT_URL, url)
        twinwatch_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        twinwatch_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMs)
        twinwatch_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMs, 5000))
        twinwatch_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        twinwatch_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
        twinwatch_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, unmanagedSink.toOpaque())
        twinwatch_curl_setopt_write_function(handle, CURLOPT_WRITEFUNCTION) { ptr, size, count, userdata in
            let sink = Unmanaged<ResponseSink>.fromOpaque(userdata!).takeUnretainedValue()
            sink.body.append(contentsOf: UnsafeRawBufferPointer(start: ptr, count: size * count))
            return size * count
        }
        twinwatch_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, unmanagedSink.toOpaque())
        twinwatch_curl_setopt_write_function(handle, CURLOPT_HEADERFUNCTION) { ptr, size, count, userdata in
            let sink = Unmanaged<ResponseSink>.fromOpaque(userdata!).takeUnretainedValue()
            sink.header(UnsafeRawBufferPointer(start: ptr, count: size * count))
            return size * count
        }
        // A non-zero return makes libcurl end the transfer itself (CURLE_ABORTED_BY_CALLBACK)
        // whenever it reports progress; the multi loop covers the idle stretches between reports.
        twinwatch_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        twinwatch_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, unmanagedFlag.toOpaque())
        twinwatch_curl_setopt_xferinfo_function(handle) { clientp, _, _, _, _ in
            Unmanaged<CancellationFlag>.fromOpaque(clientp!).takeUnretainedValue().isCancelled ? 1 : 0
        }
        let code: CURLcode
        if let body {
            twinwatch_curl_setopt_long(handle, CURLOPT_POST, 1)
            code = body.withUnsafeBytes { bytes -> CURLcode in
                twinwatch_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
                // An empty array may have no base address; libcurl then reads from its own read callback.
                twinwatch_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start)))
                return multi.run(handle, cancellation: cancellation)
            }
        } else {
            twinwatch_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
            code = multi.run(handle, cancellation: cancellation)
        }
        if code == CURLE_ABORTED_BY_CALLBACK { return .failure(.cancelled) }
        guard code == CURLE_OK else {
            return .failure(HTTPTransportError(code: Int(code.rawValue), message: String(cString: curl_easy_strerror(code))))
        }
        var status = 0
        twinwatch_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, body: sink.body, retryAfterSeconds: sink.retryAfter))
    }
}

private final class ResponseSink {
    var body: [UInt8] = []
    var retryAfter: Int?

    func header(_ line: UnsafeRawBufferPointer) {
        let text = String(decoding: line, as: UTF8.self)
        // Each response (an interim 1xx, then the final one) starts with its status line.
        if text.hasPrefix("HTTP/") { retryAfter = nil }
        guard let colon = text.firstIndex(of: ":"), text[..<colon].lowercased() == "retry-after" else { return }
        retryAfter = HTTPResponse.retryAfterSeconds(text[text.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// HTTP-date (RFC 7231 §7.1.1.1) to seconds since 1970, without a locale-dependent formatter.
private enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Accepts IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`)
    /// and asctime (`Sun Nov  6 08:49:37 1994`).
    static func seconds(_ text: String, now: Date) -> Int64? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" }).map(String.init)
        let (day, month, year, time): (String, String, String, String)
        switch tokens.count {
        case 6 where tokens[5] == "GMT": (day, month, year, time) = (tokens[1], tokens[2], tokens[3], tokens[4])
        case 5: (month, day, time, year) = (tokens[1], tokens[2], tokens[3], tokens[4])
        default: return nil
        }
        let clock = time.split(separator: ":", omittingEmptySubsequences: false).compactMap { Int($0) }
        guard let m = months.firstIndex(of: month.lowercased()), let d = Int(day), (1...31).contains(d),
              var y = Int(year), year.count == 2 || year.count == 4,
              clock.count == 3, (0...23).contains(clock[0]), (0...59).contains(clock[1]), (0...60).contains(clock[2]) else { return nil }
        if year.count == 2 {
            // RFC 850's two-digit year: the most recent past year with those digits when the
            // century of `now` would put it more than 50 years ahead.
            let currentYear = Int(now.timeIntervalSince1970 / 31_556_952) + 1970
            y += currentYear - currentYear % 100
            if y > currentYear + 50 { y -= 100 }
        }
        let days = RFC3339.daysFromCivil(year: y, month: m + 1, day: d)
        return Int64(days) * 86_400 + Int64(clock[0] * 3600 + clock[1] * 60 + clock[2])
    }
}

/// Protocols this libcurl was built with, e.g. ["http", "https", …].
public var curlProtocols: [String] {
    guard let info = twinwatch_curl_version_info() else { return [] }
    var result: [String] = []
    var cursor = info.pointee.protocols
    while let p = cursor?.pointee {
        result.append(String(cString: p))
        cursor = cursor?.advanced(by: 1)
    }
    return result
}

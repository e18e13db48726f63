import CCurl
import Dispatch
import Foundation

/// The outcome of one HTTP request.
public struct HTTPResponse: Sendable {
    public let status: Int
    public let body: [UInt8]
    /// Seconds from a `Retry-After` header, when the server sent one.
    public let retryAfterSeconds: Int?
}

/// A transport failure (DNS, connect, TLS, timeout) reported by libcurl.
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    public let code: Int
    public let message: String
    public var description: String { "curl error \(code): \(message)" }
}

/// Blocking libcurl requests run on a dispatch queue, exposed as async calls.
/// TLS verification stays on (libcurl's default); signals are disabled for threaded use.
public struct CurlHTTPClient: Sendable {
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public init() { _ = Self.globalInit }

    /// POSTs `body` to `url` with `headers` ("Name: value"), failing after `timeoutMs`.
    public func post(url: String, body: [UInt8], headers: [String], timeoutMs: Int) async throws(HTTPTransportError) -> HTTPResponse {
        try await request(url: url, body: body, headers: headers, timeoutMs: timeoutMs)
    }

    /// GETs `url`.
    public func get(url: String, headers: [String] = [], timeoutMs: Int) async throws(HTTPTransportError) -> HTTPResponse {
        try await request(url: url, body: nil, headers: headers, timeoutMs: timeoutMs)
    }

    /// A POST when `body` is given, else a GET.
    private func request(url: String, body: [UInt8]?, headers: [String], timeoutMs: Int) async throws(HTTPTransportError) -> HTTPResponse {
        let result: Result<HTTPResponse, HTTPTransportError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                guard let easy = CurlEasy() else {
                    return continuation.resume(returning: .failure(HTTPTransportError(code: -1, message: "curl_easy_init failed")))
                }
                continuation.resume(returning: easy.perform(url: url, body: body, headers: headers, timeoutMs: timeoutMs))
            }
        }
        return try result.get()
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

    func perform(url: String, body: [UInt8]?, headers: [String], timeoutMs: Int) -> Result<HTTPResponse, HTTPTransportError> {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for header in headers { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        let sink = ResponseSink()
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }

        twinwatch_curl_setopt_string(handle, CURLOPT_URL, url)
        twinwatch_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        twinwatch_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMs)
        twinwatch_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMs, 5000))
        twinwatch_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        twinwatch_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
        twinwatch_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque())
        twinwatch_curl_setopt_write_function(handle, CURLOPT_WRITEFUNCTION) { ptr, size, count, userdata in
            let sink = Unmanaged<ResponseSink>.fromOpaque(userdata!).takeUnretainedValue()
            sink.body.append(contentsOf: UnsafeRawBufferPointer(start: ptr, count: size * count))
            return size * count
        }
        twinwatch_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, unmanaged.toOpaque())
        twinwatch_curl_setopt_write_function(handle, CURLOPT_HEADERFUNCTION) { ptr, size, count, userdata in
            let sink = Unmanaged<ResponseSink>.fromOpaque(userdata!).takeUnretainedValue()
            sink.header(UnsafeRawBufferPointer(start: ptr, count: size * count))
            return size * count
        }
        let code: CURLcode
        if let body {
            twinwatch_curl_setopt_long(handle, CURLOPT_POST, 1)
            code = body.withUnsafeBytes { bytes -> CURLcode in
                twinwatch_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
                twinwatch_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                return curl_easy_perform(handle)
            }
        } else {
            twinwatch_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
            code = curl_easy_perform(handle)
        }
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
        guard let colon = text.firstIndex(of: ":"), text[..<colon].lowercased() == "retry-after" else { return }
        retryAfter = Int(text[text.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines))
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

import Alerting
import Foundation
import Hummingbird
import Logging

/// A local HTTP server standing in for notification endpoints, for the demo and tests: it records
/// every request on any path and answers scripted status codes first. `/alerts` is the generic
/// webhook: its Standard Webhooks signature is checked when the sink has a secret, and its
/// `WebhookMessage` decoded; other paths (Slack, PagerDuty, Alertmanager stand-ins) take any body.
public actor WebhookSink {
    /// One request as it arrived.
    public struct ReceivedRequest: Sendable {
        public var method: String
        public var path: String
        /// Lower-cased names; repeated headers joined with ", ".
        public var headers: [String: String]
        public var body: [UInt8]
        public var receivedAt: Date
        /// The status the sink answered.
        public var status: Int
    }

    /// Every request, in arrival order, refused ones included.
    public private(set) var requests: [ReceivedRequest] = []
    /// The messages accepted on `/alerts`.
    public private(set) var received: [WebhookMessage] = []
    /// Requests to `/alerts` refused with 401 for a missing or wrong signature.
    public private(set) var badSignatures = 0

    private let signature: StandardWebhookSignature?
    private var responses: [Int]
    private var retryAfter: String?
    private let onReceive: @Sendable (WebhookMessage) -> Void
    private var portWaiters: [CheckedContinuation<Int, Never>] = []
    private var port: Int?

    /// - Parameters:
    ///   - secret: when set, requests to `/alerts` must carry a valid Standard Webhooks signature made with it.
    ///   - responses: status codes answered, in order, before the sink starts accepting (202 on
    ///     `/alerts`, 200 elsewhere).
    ///   - retryAfter: a `Retry-After` value sent with the scripted responses.
    ///   - onReceive: called with each message accepted on `/alerts`.
    public init(secret: String? = nil, responses: [Int] = [], retryAfter: String? = nil,
                onReceive: @escaping @Sendable (WebhookMessage) -> Void = { _ in }) {
        signature = secret.map { StandardWebhookSignature(secret: $0) ?? StandardWebhookSignature(key: Array($0.utf8)) }
        self.responses = responses
        self.retryAfter = retryAfter
        self.onReceive = onReceive
    }

    /// Replaces the scripted responses still to come.
    public func script(responses: [Int], retryAfter: String? = nil) {
        self.responses = responses
        self.retryAfter = retryAfter
    }

    /// The Hummingbird application; run it (e.g. in a `ServiceGroup`) and then `await url()`.
    public nonisolated func application(logger: Logger) -> some ApplicationProtocol {
        let responder = CallbackResponder { (request: Request, _: BasicRequestContext) -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 16 << 20)
            var headers: [String: String] = [:]
            for field in request.headers {
                let name = field.name.canonicalName
                headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
            }
            let answer = await self.handle(method: request.method.rawValue, path: request.uri.path, headers: headers,
                                           body: Array(body.readableBytesView))
            var responseHeaders = HTTPFields()
            if let retryAfter = answer.retryAfter { responseHeaders[.retryAfter] = retryAfter }
            return Response(status: .init(code: answer.status), headers: responseHeaders)
        }
        return Application(
            responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in await self.bound(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// `http://127.0.0.1:PORT/alerts`, once the server listens.
    public func url() async -> String { await baseURL() + "/alerts" }

    /// `http://127.0.0.1:PORT`, once the server listens.
    public func baseURL() async -> String { "http://127.0.0.1:\(await boundPort())" }

    /// The requests that arrived on `path`.
    public func requests(on path: String) -> [ReceivedRequest] { requests.filter { $0.path == path } }

    private func handle(method: String, path: String, headers: [String: String], body: [UInt8]) -> (status: Int, retryAfter: String?) {
        let answer = respond(path: path, headers: headers, body: body)
        requests.append(ReceivedRequest(method: method, path: path, headers: headers, body: body, receivedAt: Date(), status: answer.status))
        return answer
    }

    private func respond(path: String, headers: [String: String], body: [UInt8]) -> (status: Int, retryAfter: String?) {
        if path == "/alerts", let signature {
            do {
                try signature.verify(headers: headers, body: body, now: Int64(Date().timeIntervalSince1970))
            } catch {
                badSignatures += 1
                return (401, nil)
            }
        }
        if !responses.isEmpty { return (responses.removeFirst(), retryAfter) }
        guard path == "/alerts" else { return (200, nil) }
        guard let message = try? WebhookMessage.decode(body) else { return (400, nil) }
        received.append(message)
        onReceive(message)
        return (202, nil)
    }

    private func boundPort() async -> Int {
        if let port { return port }
        return await withCheckedContinuation { portWaiters.append($0) }
    }

    private func bound(_ port: Int) {
        self.port = port
        portWaiters.forEach { $0.resume(returning: port) }
        portWaiters = []
    }
}

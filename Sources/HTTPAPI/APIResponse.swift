import Foundation
import Hummingbird

/// JSON responses of the API, and its one error shape:
/// `{"error": {"status": 401, "code": "unauthorized", "message": "…"}}`.
enum APIResponse {
    static func json(_ object: Any, status: HTTPResponse.Status = .ok) throws -> Response {
        let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func json<T: Encodable>(encoding value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String,
                      headers: HTTPFields = [:]) -> Response {
        let object: [String: Any] = ["error": ["status": status.code, "code": code, "message": message]]
        // Strings and integers only: serialisation cannot fail.
        let body = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The request's JSON object body, at most `limit` bytes; a `Response` to send instead when
    /// it is too large, not JSON or not an object. An empty body is an empty object.
    static func jsonObject(_ request: Request, limit: Int) async -> Result<[String: Any], ResponseError> {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            return .failure(ResponseError(tooLarge(limit)))
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            return .failure(ResponseError(tooLarge(limit)))
        }
        guard buffer.readableBytes > 0 else { return .success([:]) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] else {
            return .failure(ResponseError(error(.badRequest, "invalid_json", "the body must be a JSON object")))
        }
        return .success(object)
    }

    private static func tooLarge(_ limit: Int) -> Response {
        error(.contentTooLarge, "body_too_large", "request bodies are limited to \(limit) bytes (http.max_body_bytes)")
    }
}

/// A response standing for a failure (so a `Result` can carry it).
struct ResponseError: Error {
    let response: Response
    init(_ response: Response) { self.response = response }
}

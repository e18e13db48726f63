import Hummingbird

/// Guards the mutating endpoints: `Authorization: Bearer <token>` with the token of
/// `http.token_file`, compared in constant time. Without a configured token they are disabled
/// (403), never open. The token is never logged or echoed.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token else {
            return APIResponse.error(.forbidden, "disabled", "mutating endpoints are disabled: set http.token_file to enable them")
        }
        let challenge: HTTPFields = [.wwwAuthenticate: #"Bearer realm="twinwatch""#]
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            return APIResponse.error(.unauthorized, "unauthorized", "an Authorization: Bearer token is required", headers: challenge)
        }
        guard Self.constantTimeEqual(Array(header.utf8.dropFirst("Bearer ".utf8.count)), Array(token.utf8)) else {
            return APIResponse.error(.unauthorized, "unauthorized", "the bearer token is not valid", headers: challenge)
        }
        return try await next(request, context)
    }

    /// Equal bytes, in a time that depends on the lengths only, not on where they differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0 && a.count == b.count
    }
}

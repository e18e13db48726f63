import Crypto
import Foundation

/// Standard Webhooks signing (https://www.standardwebhooks.com/): HMAC-SHA256 over
/// `"{webhook-id}.{webhook-timestamp}.{body}"`, sent as `webhook-signature: v1,<base64>`, so a
/// receiver can check a message with any Standard Webhooks (or Svix) library.
public struct StandardWebhookSignature: Sendable {
    /// Why a message failed verification.
    public struct VerificationError: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Code: Sendable, Equatable {
            case missingHeader
            case malformedTimestamp
            case timestampOutOfTolerance
            case noMatchingSignature
        }

        public let code: Code
        public let message: String
        public var description: String { message }
    }

    public static let idHeader = "webhook-id"
    public static let timestampHeader = "webhook-timestamp"
    public static let signatureHeader = "webhook-signature"
    /// The spec's default tolerance between the sender's timestamp and the receiver's clock.
    public static let defaultTolerance: Int64 = 300

    /// The HMAC key.
    public let key: [UInt8]

    /// The key of `secret`: base64 after a `whsec_` prefix, else the secret's UTF-8 bytes.
    /// nil for an empty secret or a `whsec_` secret whose rest is not base64.
    public init?(secret: String) {
        if secret.hasPrefix("whsec_") {
            var encoded = String(secret.dropFirst("whsec_".count))
            // The reference libraries accept unpadded base64.
            encoded += String(repeating: "=", count: (4 - encoded.utf8.count % 4) % 4)
            guard let data = Data(base64Encoded: encoded), !data.isEmpty else { return nil }
            key = Array(data)
        } else {
            guard !secret.isEmpty else { return nil }
            key = Array(secret.utf8)
        }
    }

    public init(key: [UInt8]) { self.key = key }

    /// The `webhook-signature` value for a message: `v1,<base64 HMAC-SHA256>`.
    public func sign(id: String, timestamp: Int64, body: [UInt8]) -> String {
        "v1," + Data(mac(id: id, timestamp: String(timestamp), body: body)).base64EncodedString()
    }

    /// The three headers ("Name: value") that sign `body`.
    public func headers(id: String, timestamp: Int64, body: [UInt8]) -> [String] {
        ["\(Self.idHeader): \(id)", "\(Self.timestampHeader): \(timestamp)",
         "\(Self.signatureHeader): \(sign(id: id, timestamp: timestamp, body: body))"]
    }

    /// Checks a received message: the timestamp within `tolerance` seconds of `now` (seconds since
    /// 1970), and one of the space-separated `v1,` signatures equal to ours (constant-time).
    public func verify(id: String?, timestamp: String?, signature: String?, body: [UInt8], now: Int64,
                       tolerance: Int64 = defaultTolerance) throws(VerificationError) {
        guard let id, let timestamp, let signature, !id.isEmpty else {
            throw VerificationError(code: .missingHeader, message: "missing webhook-id, webhook-timestamp or webhook-signature")
        }
        guard let seconds = Int64(timestamp) else {
            throw VerificationError(code: .malformedTimestamp, message: "webhook-timestamp \"\(timestamp)\" is not integer seconds")
        }
        guard abs(now - seconds) <= tolerance else {
            throw VerificationError(code: .timestampOutOfTolerance,
                                    message: "webhook-timestamp \(seconds) is \(now - seconds) s from now (tolerance \(tolerance) s)")
        }
        let expected = mac(id: id, timestamp: timestamp, body: body)
        for candidate in signature.split(separator: " ") {
            let parts = candidate.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let received = Data(base64Encoded: String(parts[1])) else { continue }
            if Self.constantTimeEqual(expected, Array(received)) { return }
        }
        throw VerificationError(code: .noMatchingSignature, message: "no v1 signature matches the body")
    }

    /// `verify` with the headers of a request; names are matched case-insensitively.
    public func verify(headers: [String: String], body: [UInt8], now: Int64, tolerance: Int64 = defaultTolerance) throws(VerificationError) {
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name }?.value }
        try verify(id: header(Self.idHeader), timestamp: header(Self.timestampHeader), signature: header(Self.signatureHeader),
                   body: body, now: now, tolerance: tolerance)
    }

    private func mac(id: String, timestamp: String, body: [UInt8]) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: key))
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return Array(hmac.finalize())
    }

    /// Equal lengths and bytes, in time independent of where they differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

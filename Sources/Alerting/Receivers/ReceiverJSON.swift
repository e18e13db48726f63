import Foundation
import TwinwatchCore

/// The JSON conventions every receiver body shares: sorted keys (stable bodies, readable diffs),
/// unescaped slashes (URLs stay readable), RFC 3339 times, and non-finite numbers as Prometheus
/// spells them ("NaN", "+Inf", "-Inf") since JSON has none.
enum ReceiverJSON {
    /// Alertmanager's `endsAt` of an alert that has not ended (Go's zero time).
    static let zeroTime = "0001-01-01T00:00:00Z"

    static func time(_ millis: Int64) -> String { RFC3339.string(millis: millis) }

    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        do {
            return Array(try encoder.encode(value))
        } catch {
            // Only strings, string maps and (non-finite-safe) numbers are encoded: nothing can fail.
            preconditionFailure("receiver body encoding failed: \(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return try decoder.decode(type, from: Data(body))
    }

    /// The headers every JSON request carries.
    static let contentType = "Content-Type: application/json"

    /// `scheme://host[:port]` of `url`, or nil.
    static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host,
              !host.isEmpty else { return nil }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(bracketed)" + (components.port.map { ":\($0)" } ?? "")
    }

    /// The key/value pairs that every map in `maps` has (Alertmanager's common labels); empty for no maps.
    static func common(_ maps: [[String: String]]) -> [String: String] {
        guard var result = maps.first else { return [:] }
        for map in maps.dropFirst() { result = result.filter { map[$0.key] == $0.value } }
        return result
    }
}

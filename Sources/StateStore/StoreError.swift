/// A store failure with the context an operator needs (the database path, the baseline id).
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case open
        case notFound
        case invalidTransition
        case invalidBaseline
        case database
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

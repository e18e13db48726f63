/// A typed failure of an estimator or reader, with a human-readable context.
public struct EstimatorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure (stable strings for logs and metrics labels).
    public enum Code: String, Sendable {
        case shapeMismatch = "shape_mismatch"
        case tooFewRows = "too_few_rows"
        case nonFinite = "non_finite"
        case numerical = "numerical"
        case unreadable = "unreadable"
        /// A file ends before its header says it should.
        case truncated = "truncated"
        /// A well-formed file in a layout we do not read (dtype, byte order, Fortran order, version).
        case unsupportedFormat = "unsupported_format"
    }

    public let code: Code
    public let message: String

    /// An error of `code`; `message` names the context (file, row, column, estimator).
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// Why an event was refused; the reason label of `twinwatch_events_rejected_total`.
public struct EventRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, CaseIterable {
        case unparseable
        case missingField = "missing_field"
        case wrongDimension = "wrong_dimension"
        case nonFinite = "non_finite"
        case oversize
        case unknownModel = "unknown_model"
    }

    public let reason: Reason
    public let detail: String

    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}

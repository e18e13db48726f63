/// The drift rule's "for": the condition must hold on `required` consecutive windows that share
/// no rows. A sliding window evaluated every interval overlaps its predecessor, so one unusual
/// stretch of rows breaches many evaluations in a row; counting only disjoint windows makes each
/// counted breach independent evidence under "no drift" (given the reference), so the chance of a
/// false page per window span is about q^required for a per-window false-alarm rate q (DESIGN §5.7's
/// expected time between false pages). A breaching window that overlaps the last counted one neither
/// counts nor resets; a window that does not breach resets the count.
/// Mutations return the decision, so the logic is testable without I/O.
public struct SustainedBreach: Sendable, Equatable, Codable {
    public let required: Int
    public private(set) var count = 0
    /// Stream position (rows appended to the key) of the newest row of the last counted window.
    private var lastCountedEnd: Int64?

    public init(required: Int) { self.required = Swift.max(1, required) }

    /// Feeds one evaluation of the window of `rows` rows ending at stream position `end`; true while
    /// the breach is sustained (`required` disjoint breaching windows, none clean since).
    public mutating func observe(breached: Bool, windowEnd end: Int64, windowRows rows: Int) -> Bool {
        guard breached else {
            count = 0
            lastCountedEnd = nil
            return false
        }
        if let last = lastCountedEnd, end - Int64(rows) < last { return count >= required }
        count += 1
        lastCountedEnd = end
        return count >= required
    }
}

/// A first-in-first-out ring that grows by doubling (up to `limit`) and halves when a quarter full:
/// O(1) amortized append and removal at the front, indexable oldest-first.
struct FIFORing<Element>: Sendable where Element: Sendable {
    private var slots: ContiguousArray<Element> = []
    private var head = 0
    private(set) var count = 0
    private let filler: Element
    private let limit: Int

    /// `filler` fills unused slots; `limit` caps the slots allocated (the caller keeps `count` within it).
    init(filler: Element, limit: Int = .max) {
        self.filler = filler
        self.limit = Swift.max(1, limit)
    }

    var isEmpty: Bool { count == 0 }
    /// Slots allocated (for memory accounting).
    var allocated: Int { slots.count }
    var first: Element? { count == 0 ? nil : slots[head] }
    var last: Element? { count == 0 ? nil : self[count - 1] }

    /// The `i`-th oldest element.
    subscript(i: Int) -> Element {
        get { slots[physical(i)] }
        set { slots[physical(i)] = newValue }
    }

    mutating func append(_ element: Element) {
        if count == slots.count { resize(to: Swift.min(Swift.max(16, 2 * slots.count), Swift.max(limit, count + 1))) }
        slots[physical(count)] = element
        count += 1
    }

    @discardableResult
    mutating func removeFirst() -> Element {
        precondition(count > 0, "removeFirst on an empty ring")
        let element = slots[head]
        slots[head] = filler
        head += 1
        if head == slots.count { head = 0 }
        count -= 1
        if slots.count > 64, count < slots.count / 4 { resize(to: slots.count / 2) }
        return element
    }

    /// Keeps only the elements `shouldRemove` rejects, in order.
    mutating func removeAll(where shouldRemove: (Element) -> Bool) {
        var kept = ContiguousArray<Element>()
        kept.reserveCapacity(count)
        for i in 0..<count where !shouldRemove(self[i]) { kept.append(self[i]) }
        count = kept.count
        head = 0
        slots = kept
        if !slots.isEmpty, slots.count < 16 { resize(to: 16) }
    }

    private func physical(_ i: Int) -> Int {
        let p = head + i
        return p >= slots.count ? p - slots.count : p
    }

    private mutating func resize(to capacity: Int) {
        var next = ContiguousArray<Element>(repeating: filler, count: capacity)
        for i in 0..<count { next[i] = self[i] }
        slots = next
        head = 0
    }
}

import DriftEstimators

/// What the monitor keeps for one model: the baseline being captured or captured, and the
/// live window that follows it.
struct ModelState: Sendable {
    let dimension: Int
    private(set) var baselineRows: [Float] = []
    private(set) var baseline: SortedColumns?
    private(set) var window: RollingWindow
    private let captureRows: Int

    init(dimension: Int, captureRows: Int, windowSize: Int) {
        self.dimension = dimension
        self.captureRows = captureRows
        window = RollingWindow(capacity: windowSize, dimension: dimension)
        baselineRows.reserveCapacity(captureRows * dimension)
    }

    /// The first `captureRows` rows become the baseline; later rows enter the window.
    mutating func append(_ row: [Float]) {
        guard baseline != nil else {
            baselineRows.append(contentsOf: row)
            if baselineRows.count == captureRows * dimension {
                baseline = SortedColumns(try! Matrix(rows: captureRows, cols: dimension, values: baselineRows))
                baselineRows = []
            }
            return
        }
        window.append(row)
    }
}

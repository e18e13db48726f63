import TwinwatchCore

/// The values of one drift or verification history row, stored as a compact binary body:
/// a version byte (1), then (field id: UInt8, value: Float64 little-endian) per present value —
/// 9 bytes a value, ~250 bytes a drift row. Decoding a week of a model's rows (hundreds of
/// thousands) takes milliseconds where JSON took seconds. Field ids are fixed forever: new
/// fields get new ids, old ones are never reused.
public struct HistoryValues: Sendable, Equatable {
    /// Every field a row can hold, with its stored id.
    public enum Field: Hashable, Sendable {
        case baseline, rows, combinedP, scoreShift
        case totalVariance, effectiveRank, meanPairwiseCosine
        case score(DriftEstimatorKind), pValue(DriftEstimatorKind), z(DriftEstimatorKind)
        case threshold, tp, fn, fp, tn, eer, eerThreshold
        /// A verification rate (`far`, `frr`, `recall`, `precision`) and its interval bounds.
        case rate(Rate), rateLower(Rate), rateUpper(Rate)

        public enum Rate: UInt8, Sendable, CaseIterable {
            case far = 0, frr = 1, recall = 2, precision = 3
        }

        /// Estimators in their stored order (ids 16 + 3 × index + 0/1/2).
        public static let estimators: [DriftEstimatorKind] = [.w1, .sliced, .frechet, .gaussianKL, .histKL, .knnKL, .norm]

        var id: UInt8 {
            switch self {
            case .baseline: 1
            case .rows: 2
            case .combinedP: 3
            case .scoreShift: 4
            case .totalVariance: 5
            case .effectiveRank: 6
            case .meanPairwiseCosine: 7
            case .score(let k): 16 + 3 * UInt8(Self.estimators.firstIndex(of: k) ?? 15)
            case .pValue(let k): 17 + 3 * UInt8(Self.estimators.firstIndex(of: k) ?? 15)
            case .z(let k): 18 + 3 * UInt8(Self.estimators.firstIndex(of: k) ?? 15)
            case .threshold: 80
            case .tp: 81
            case .fn: 82
            case .fp: 83
            case .tn: 84
            case .eer: 85
            case .eerThreshold: 86
            case .rate(let r): 96 + r.rawValue
            case .rateLower(let r): 104 + r.rawValue
            case .rateUpper(let r): 112 + r.rawValue
            }
        }

        /// Field of a stored id (nil: unknown to this version, skipped).
        static let byID: [UInt8: Field] = {
            var all: [Field] = [.baseline, .rows, .combinedP, .scoreShift, .totalVariance, .effectiveRank, .meanPairwiseCosine,
                                .threshold, .tp, .fn, .fp, .tn, .eer, .eerThreshold]
            for k in estimators { all += [.score(k), .pValue(k), .z(k)] }
            for r in Rate.allCases { all += [.rate(r), .rateLower(r), .rateUpper(r)] }
            return Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
        }()
    }

    public private(set) var values: [Field: Double] = [:]

    public init(_ values: [Field: Double] = [:]) {
        // Estimators outside the stored list (health) have no id: not stored.
        self.values = values.filter { $0.value.isFinite && Field.byID[$0.key.id] == $0.key }
    }

    public subscript(field: Field) -> Double? {
        get { values[field] }
        set { values[field] = newValue.flatMap { $0.isFinite && Field.byID[field.id] == field ? $0 : nil } }
    }

    public var encoded: [UInt8] {
        var bytes: [UInt8] = [1]
        bytes.reserveCapacity(1 + 9 * values.count)
        for (field, value) in values.sorted(by: { $0.key.id < $1.key.id }) {
            bytes.append(field.id)
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Calls `body` with each (field id, value) of an encoded body, without building a value;
    /// false when the bytes are not a version-1 body. For readers of many rows (reports).
    @discardableResult
    public static func forEachValue(in bytes: UnsafeRawBufferPointer, _ body: (UInt8, Double) -> Void) -> Bool {
        guard bytes.first == 1, (bytes.count - 1) % 9 == 0 else { return false }
        var i = 1
        while i < bytes.count {
            let bits = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 1, as: UInt64.self))
            body(bytes[i], Double(bitPattern: bits))
            i += 9
        }
        return true
    }

    /// The stored id of `field` (column index for `forEachValue` readers; < 128).
    public static func id(of field: Field) -> UInt8 { field.id }

    /// Nil when `bytes` is not a version-1 body.
    public init?(decoding bytes: [UInt8]) {
        guard bytes.first == 1, (bytes.count - 1) % 9 == 0 else { return nil }
        var values: [Field: Double] = [:]
        var i = 1
        while i < bytes.count {
            var bits: UInt64 = 0
            for b in 0..<8 { bits |= UInt64(bytes[i + 1 + b]) << (8 * UInt64(b)) }
            if let field = Field.byID[bytes[i]] { values[field] = Double(bitPattern: bits) }
            i += 9
        }
        self.values = values
    }
}

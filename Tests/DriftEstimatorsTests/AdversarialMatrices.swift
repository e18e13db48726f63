import Foundation
@testable import DriftEstimators

/// Baseline/window pairs built to hit the estimators' numerical corners (issue 25's list), seeded.
enum AdversarialMatrices {
    struct Case {
        let name: String
        let baseline: Matrix
        let current: Matrix
    }

    /// Every family at a small size (n = 400 rows so that a null at window 50 calibrates), plus the
    /// tiny shapes (n or m of 1–3, d of 1).
    static func cases(seed: UInt64 = 2025) -> [Case] {
        var rng = SplitMix64(seed: seed)
        var out: [Case] = []
        func add(_ name: String, _ n: Int, _ m: Int, _ d: Int, _ value: (inout SplitMix64, _ row: Int, _ col: Int, _ isBaseline: Bool) -> Float) {
            var x = [Float](repeating: 0, count: n * d), y = [Float](repeating: 0, count: m * d)
            for r in 0..<n { for c in 0..<d { x[r * d + c] = value(&rng, r, c, true) } }
            for r in 0..<m { for c in 0..<d { y[r * d + c] = value(&rng, r, c, false) } }
            out.append(Case(name: "\(name) n=\(n) m=\(m) d=\(d)",
                            baseline: try! Matrix(rows: n, cols: d, values: x), current: try! Matrix(rows: m, cols: d, values: y)))
        }
        func gaussian(_ rng: inout SplitMix64) -> Double { rng.gaussian() }
        func quantised(_ levels: Double) -> (inout SplitMix64, Int, Int, Bool) -> Float {
            { rng, _, _, _ in Float((Swift.min(Swift.max(gaussian(&rng) * 0.3, -1), 1) * levels).rounded() / levels) }
        }
        for d in [1, 4, 16] {
            add("int8 k/127", 400, 100, d, quantised(127))
            add("int4 k/7", 400, 100, d, quantised(7))
            add("binary ±1", 400, 100, d) { rng, _, _, _ in rng.next() % 2 == 0 ? -1 : 1 }
            add("symmetric clamp ±0.9", 400, 100, d) { rng, _, _, _ in Float(Swift.min(Swift.max(gaussian(&rng) * 0.5, -0.9), 0.9)) }
            add("uniform [−1, 1] with both ends", 400, 100, d) { rng, r, _, _ in r == 0 ? -1 : (r == 1 ? 1 : Float(rng.nextUnit() * 2 - 1)) }
            add("constant columns", 400, 100, d) { _, _, c, base in base ? Float(c) : Float(c) + 0.5 }
            add("constant, window equal", 400, 100, d) { _, _, c, _ in Float(c) * 0.25 }
            add("almost constant (one ulp)", 400, 100, d) { _, r, _, _ in r == 7 ? Float(0.3).nextUp : 0.3 }
            add("zero vectors", 400, 100, d) { _, _, _, _ in 0 }
            add("subnormals", 400, 100, d) { rng, _, _, _ in Float.leastNonzeroMagnitude * Float(Int(rng.next() % 11) - 5) }
            add("symmetric subnormal range", 400, 100, d) { rng, r, _, _ in
                r == 0 ? -Float.leastNonzeroMagnitude : (r == 1 ? .leastNonzeroMagnitude : (rng.next() % 2 == 0 ? -0.0 : 0))
            }
            add("±1e30", 400, 100, d) { rng, _, _, _ in Float(gaussian(&rng) * 1e30) }
            add("±greatest finite", 400, 100, d) { rng, _, _, _ in rng.next() % 2 == 0 ? -.greatestFiniteMagnitude : .greatestFiniteMagnitude }
            add("1e30 and 1e−30 mixed", 400, 100, d) { rng, _, _, _ in Float(gaussian(&rng) * (rng.next() % 2 == 0 ? 1e30 : 1e-30)) }
            add("duplicated rows", 400, 100, d) { rng, r, c, _ in r % 2 == 0 ? Float(c) : Float(gaussian(&rng)) }
            add("one row repeated", 400, 100, d) { _, _, c, base in base ? Float(c) * 0.1 : Float(c) * 0.1 + 0.01 }
            add("window far outside", 400, 100, d) { rng, _, _, base in Float(gaussian(&rng) + (base ? 0 : 1e6)) }
            for (n, m) in [(1, 50), (50, 1), (2, 2), (3, 3), (2, 50), (50, 3), (3, 1)] {
                add("tiny", n, m, d) { rng, _, _, _ in Float(gaussian(&rng)) }
                add("tiny int8", n, m, d, quantised(127))
            }
        }
        return out
    }

    /// `count` seeded random pairs whose columns each draw from one of the families above, at
    /// random shapes (d 1–40, n 2–600, m 2–200), random histogram bins, and with rows duplicated at
    /// random: the estimators' fuzzing target (no hang, no crash, finite scores or a typed error).
    static func fuzzed(count: Int, seed: UInt64) -> [(Case, DriftConfiguration)] {
        var rng = SplitMix64(seed: seed)
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        func column(_ family: Int, scale: Double, _ rng: inout SplitMix64) -> Float {
            switch family {
            case 0: return Float(rng.gaussian() * scale)
            case 1: return Float((Swift.min(Swift.max(rng.gaussian() * 0.3, -1), 1) * 127).rounded() / 127)
            case 2: return Float((Swift.min(Swift.max(rng.gaussian() * 0.3, -1), 1) * 7).rounded() / 7)
            case 3: return rng.next() % 2 == 0 ? -1 : 1
            case 4: return Float(scale)
            case 5: return Float.leastNonzeroMagnitude * Float(Int(rng.next() % 7) - 3)
            case 6: return Float(Swift.min(Swift.max(rng.gaussian(), -0.9), 0.9))
            default: return rng.next() % 3 == 0 ? Float(scale).nextUp : Float(scale)
            }
        }
        var out: [(Case, DriftConfiguration)] = []
        for i in 0..<count {
            let d = pick([1, 2, 3, 8, 17, 40]), n = 2 + Int(rng.next() % 599), m = 2 + Int(rng.next() % 199)
            let families = (0..<d).map { _ in Int(rng.next() % 8) }
            let scales = (0..<d).map { _ in pick([1e-30, 1e-6, 1, 1e6, 1e30]) }
            // The window draws each column from the baseline's family or from another one.
            let windowFamilies = families.map { rng.next() % 4 == 0 ? Int(rng.next() % 8) : $0 }
            let duplicate = rng.next() % 3 == 0
            var x = [Float](repeating: 0, count: n * d), y = [Float](repeating: 0, count: m * d)
            for r in 0..<n { for c in 0..<d { x[r * d + c] = duplicate && r % 2 == 1 ? x[(r - 1) * d + c] : column(families[c], scale: scales[c], &rng) } }
            for r in 0..<m { for c in 0..<d { y[r * d + c] = column(windowFamilies[c], scale: scales[c], &rng) } }
            let configuration = DriftConfiguration(projections: pick([1, 4, 16]), bins: pick([1, 2, 32, 255]), knnKs: pick([[1], [1, 3], [2, 5]]))
            out.append((Case(name: "fuzz #\(i) n=\(n) m=\(m) d=\(d) families \(families) → \(windowFamilies)",
                             baseline: try! Matrix(rows: n, cols: d, values: x), current: try! Matrix(rows: m, cols: d, values: y)), configuration))
        }
        return out
    }
}

import Foundation
import Testing
import TwinwatchCore
@testable import Verification

/// Naive references: Wilson in its textbook form, Clopper–Pearson by bisection on binomial tail sums.
enum NaiveInterval {
    /// (k + z²/2 ± z·√(k(n−k)/n + z²/4)) / (n + z²).
    static func wilson(_ k: Int, _ n: Int, z: Double = RateInterval.z95) -> (Double, Double) {
        let kd = Double(k), nd = Double(n), z2 = z * z
        let center = kd + z2 / 2, half = z * (kd * (nd - kd) / nd + z2 / 4).squareRoot()
        return ((center - half) / (nd + z2), (center + half) / (nd + z2))
    }

    /// P(X ≥ k) for X ~ Binomial(n, p), summing pmf terms in logs (ln C(n, i) from `logChoose`).
    static func upperTail(_ k: Int, _ n: Int, _ p: Double, logChoose: [Double]) -> Double {
        guard k > 0 else { return 1 }
        guard k <= n else { return 0 }
        var sum = 0.0
        for i in k...n { sum += exp(logChoose[i] + Double(i) * log(p) + Double(n - i) * log1p(-p)) }
        return sum
    }

    /// lower: P(X ≥ k | p) = α/2; upper: P(X ≤ k | p) = α/2 — by 200 bisections each.
    static func clopperPearson(_ k: Int, _ n: Int, alpha: Double = 0.05) -> (Double, Double) {
        func solve(_ f: (Double) -> Double) -> Double {  // f increasing in p
            var lo = 0.0, hi = 1.0
            for _ in 0..<200 {
                let mid = (lo + hi) / 2
                if f(mid) < 0 { lo = mid } else { hi = mid }
            }
            return (lo + hi) / 2
        }
        let logN: Double = lgamma(Double(n + 1))
        let logChoose: [Double] = (0...n).map { (i: Int) -> Double in logN - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1)) }
        let lower = k == 0 ? 0 : solve { upperTail(k, n, $0, logChoose: logChoose) - alpha / 2 }
        let upper = k == n ? 1 : solve { alpha / 2 - (1 - upperTail(k + 1, n, $0, logChoose: logChoose)) }
        return (lower, upper)
    }
}

@Suite("Rate intervals")
struct RateIntervalTests {
    static let grid: [(Int, Int)] = [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (1, 50), (25, 50), (49, 50),
                                     (0, 1000), (1, 1000), (7, 1000), (500, 1000), (999, 1000), (173, 1322), (32, 678)]

    @Test("Wilson equals the textbook formula")
    func wilsonNaive() throws {
        for (k, n) in Self.grid {
            for z in [RateInterval.z95, 1.0, 2.5758293035489] {
                let ours = try #require(RateInterval.wilson(successes: k, trials: n, z: z))
                let (lo, hi) = NaiveInterval.wilson(k, n, z: z)
                #expect(abs(ours.lower - max(0, lo)) <= 1e-15 && abs(ours.upper - min(1, hi)) <= 1e-15, "k=\(k) n=\(n) z=\(z)")
            }
        }
    }

    @Test("Clopper–Pearson equals bisection on binomial tail sums")
    func clopperPearsonNaive() throws {
        for (k, n) in Self.grid {
            let ours = try #require(RateInterval.clopperPearson(successes: k, trials: n))
            let (lo, hi) = NaiveInterval.clopperPearson(k, n)
            #expect(abs(ours.lower - lo) <= 1e-12 && abs(ours.upper - hi) <= 1e-12, "k=\(k) n=\(n): \(ours) vs \(lo), \(hi)")
            #expect(ours.contains(Double(k) / Double(n)))
        }
    }

    @Test("Wilson (formula) and Clopper–Pearson (scipy.stats.beta.ppf) agree with scipy, up to n = 10⁹",
          .enabled(if: ReferencePython.available, "needs .venv-ref (scripts/reference-venv.sh) or python3 with scipy"))
    func scipy() throws {
        let cases: [[Int]] = Self.grid.map { [$0.0, $0.1] } + [[3, 1_000_000], [0, 1_000_000], [1_000_000, 1_000_000], [499_999, 1_000_000],
                                                               [12_345, 987_654], [999_990, 1_000_000], [2, 1_000_000_000],
                                                               [400_000_000, 1_000_000_000], [5, 20_000_000], [1, 3]]
        struct Input: Encodable { let cases: [[Int]]; let z: Double }
        struct Output: Decodable { let wilson: [[Double]]; let cp: [[Double]]; let betainc: [Double] }
        let script = """
            import json, sys, math
            from scipy.stats import beta, norm
            from scipy.special import betainc
            d = json.load(sys.stdin)
            z = d["z"]; alpha = 2 * norm.sf(z)
            wilson, cp, inc = [], [], []
            for k, n in d["cases"]:
                p = k / n; z2 = z * z; den = 1 + z2 / n
                center = (p + z2 / (2 * n)) / den
                half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / den
                wilson.append([max(0.0, center - half), min(1.0, center + half)])
                lo = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
                hi = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
                cp.append([lo, hi])
                inc.append(float(betainc(k + 1, n - k + 1, (k + 0.5) / (n + 1))))
            print(json.dumps({"wilson": wilson, "cp": cp, "betainc": inc}))
            """
        let ref = try ReferencePython.json(Output.self, script: script, input: Input(cases: cases, z: RateInterval.z95))
        var maxWilson = 0.0, maxCP = 0.0, maxBeta = 0.0
        for (i, c) in cases.enumerated() {
            let (k, n) = (c[0], c[1])
            let w = try #require(RateInterval(successes: k, trials: n, method: .wilson))
            maxWilson = max(maxWilson, abs(w.lower - ref.wilson[i][0]), abs(w.upper - ref.wilson[i][1]))
            #expect(abs(w.lower - ref.wilson[i][0]) <= 1e-15 && abs(w.upper - ref.wilson[i][1]) <= 1e-15, "Wilson k=\(k) n=\(n)")
            let cp = try #require(RateInterval(successes: k, trials: n, method: .clopperPearson))
            // Relative where the bound is small (a FAR of a few in a million), absolute elsewhere.
            for (ours, theirs) in [(cp.lower, ref.cp[i][0]), (cp.upper, ref.cp[i][1])] {
                let error = abs(ours - theirs) / max(1e-3, min(theirs, 1 - theirs, 1))
                maxCP = max(maxCP, abs(ours - theirs))
                #expect(error <= 1e-11, "Clopper–Pearson k=\(k) n=\(n): \(ours) vs \(theirs)")
            }
            let x = (Double(k) + 0.5) / Double(n + 1), a = Double(k + 1), b = Double(n - k + 1)
            let inc = IncompleteBeta.regularized(x: x, a: a, b: b)
            maxBeta = max(maxBeta, abs(inc - ref.betainc[i]))
            // Near the mode of a huge Beta, one ulp of x moves I_x by density·ulp (3e-12 at n = 10⁹): allow 4 ulps of x.
            let density = exp(IncompleteBeta.logPowerTerms(x: x, y: 1 - x, a: a, b: b)) / (x * (1 - x))
            #expect(abs(inc - ref.betainc[i]) <= 1e-12 + 4 * density * x.ulp, "I_x k=\(k) n=\(n): \(inc) vs \(ref.betainc[i])")
        }
        print("rate intervals vs scipy: max |Δ| Wilson \(maxWilson), Clopper–Pearson \(maxCP), betainc \(maxBeta)")
    }

    @Test("no trials or impossible counts: no interval; bounds at 0 and n are exact")
    func edges() throws {
        #expect(RateInterval(successes: 0, trials: 0) == nil)
        #expect(RateInterval(successes: 3, trials: 2) == nil)
        #expect(RateInterval(successes: -1, trials: 2, method: .clopperPearson) == nil)
        #expect(RateInterval(successes: 1, trials: 2, z: .nan) == nil)
        for method in RateInterval.Method.allCases {
            let none = try #require(RateInterval(successes: 0, trials: 40, method: method))
            let all = try #require(RateInterval(successes: 40, trials: 40, method: method))
            #expect(none.lower == 0 && all.upper == 1 && none.upper > 0 && all.lower < 1, "\(method)")
        }
        // Clopper–Pearson with 0 of n: upper = 1 − (α/2)^(1/n).
        let cp = try #require(RateInterval.clopperPearson(successes: 0, trials: 30))
        #expect(abs(cp.upper - (1 - pow(0.025, 1.0 / 30))) <= 1e-14)
    }
}

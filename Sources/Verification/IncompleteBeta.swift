import Foundation

/// The regularized incomplete beta function I_x(a, b) and its inverse in x: the binomial tails
/// behind Clopper–Pearson intervals. No dependency: a Lentz continued fraction for the function,
/// safeguarded Newton (bisection fallback) for the inverse.
///
/// Accuracy: the prefactor x^a·(1−x)^b / B(a, b) comes from Stirling's series with its remainder
/// when a or b ≥ 10, not from differences of `lgamma` values (at a, b ~ 10⁶ those cancel ~7 of 16
/// digits). Both tails are returned directly from whichever side the continued fraction is taken,
/// so a small tail probability keeps its relative accuracy. Tested against scipy (`beta.ppf`).
enum IncompleteBeta {
    /// I_x(a, b) (`lower`) and 1 − I_x(a, b) (`upper`); a, b > 0, x in [0, 1].
    static func tails(x: Double, a: Double, b: Double) -> (lower: Double, upper: Double) {
        if x <= 0 { return (0, 1) }
        if x >= 1 { return (1, 0) }
        let y = 1 - x
        if x < (a + 1) / (a + b + 2) {
            let lower = exp(logPowerTerms(x: x, y: y, a: a, b: b)) * continuedFraction(x: x, a: a, b: b) / a
            return (lower, 1 - lower)
        }
        let upper = exp(logPowerTerms(x: y, y: x, a: b, b: a)) * continuedFraction(x: y, a: b, b: a) / b
        return (1 - upper, upper)
    }

    /// I_x(a, b).
    static func regularized(x: Double, a: Double, b: Double) -> Double { tails(x: x, a: a, b: b).lower }

    /// The x in [0, 1] with I_x(a, b) = p (`upperTail`: with 1 − I_x(a, b) = p), p in (0, 1).
    static func inverse(probability p: Double, a: Double, b: Double, upperTail: Bool = false) -> Double {
        guard p > 0 else { return upperTail ? 1 : 0 }
        guard p < 1 else { return upperTail ? 0 : 1 }
        var lo = 0.0, hi = 1.0
        var x = a / (a + b)
        for _ in 0..<400 {
            let t = tails(x: x, a: a, b: b)
            // f increases with x for the lower tail and decreases for the upper one.
            let f = upperTail ? p - t.upper : t.lower - p
            if f == 0 { return x }
            if f < 0 { lo = x } else { hi = x }
            let density = exp(logPowerTerms(x: x, y: 1 - x, a: a, b: b)) / (x * (1 - x))
            var next = x - f / density
            if !(next > lo && next < hi) || !density.isFinite || density <= 0 {
                // Bisect; in geometric mean when the bracket spans orders of magnitude (tiny quantiles).
                next = lo > 0 && hi / lo > 4 ? (lo * hi).squareRoot() : lo == 0 && hi < 1e-3 ? hi / 16 : (lo + hi) / 2
            }
            if abs(next - x) <= 2 * x.ulp || hi - lo <= 2 * lo.ulp { return next }
            x = next
        }
        return x
    }

    /// Continued fraction of I_x(a, b) (Numerical Recipes `betacf`, modified Lentz); converges
    /// quickly for x < (a + 1) / (a + b + 2), in O(√max(a, b)) terms.
    static func continuedFraction(x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300, epsilon = 1e-16
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        var m = 1.0
        while m < 10_000_000 {
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) <= epsilon { break }
            m += 1
        }
        return h
    }

    /// ln(x^a · y^b / B(a, b)) with y = 1 − x given separately (accurately, by the caller).
    static func logPowerTerms(x: Double, y: Double, a: Double, b: Double) -> Double {
        let large = 10.0
        if a >= large && b >= large {
            // lnΓ(c) − lnΓ(a) − lnΓ(b) by Stirling: a·ln(c/a) + b·ln(c/b) + ½ln(ab/c) − ½ln 2π + δ's,
            // combined with a·ln x + b·ln y as a·ln(xc/a) + b·ln(yc/b): these are small near the
            // mode x = a/c, where the separate terms are large and cancel.
            let c = a + b
            return a * logRatio(x * b - y * a, a, x * c / a) + b * logRatio(y * a - x * b, b, y * c / b)
                + 0.5 * log(a * b / c) - 0.5 * log(2 * Double.pi) + stirlingRemainder(c) - stirlingRemainder(a) - stirlingRemainder(b)
        }
        if a < large && b >= large {
            // lnΓ(c) − lnΓ(b) = a·ln c + (b − ½)·ln(1 + a/b) − a + δ(c) − δ(b).
            let c = a + b
            return a * log(x * c) + b * log1pOrLog(y, complement: x) + (b - 0.5) * log1p(a / b) - a - lgamma(a)
                + stirlingRemainder(c) - stirlingRemainder(b)
        }
        if b < large && a >= large {
            return logPowerTerms(x: y, y: x, a: b, b: a)
        }
        return a * log1pOrLog(x, complement: y) + b * log1pOrLog(y, complement: x) + lgamma(a + b) - lgamma(a) - lgamma(b)
    }

    /// ln(v) where v = 1 − complement: through log1p when v is near 1.
    private static func log1pOrLog(_ v: Double, complement: Double) -> Double {
        v > 0.5 ? log1p(-complement) : log(v)
    }

    /// ln(q) for q = 1 + difference / base: log1p of the small relative difference near 1, else ln q.
    private static func logRatio(_ difference: Double, _ base: Double, _ q: Double) -> Double {
        let u = difference / base
        return abs(u) < 0.5 ? log1p(u) : log(q)
    }

    /// δ(z) = lnΓ(z) − [(z − ½)ln z − z + ½ln 2π], Stirling's series, z ≥ 10 (error < 1e-17 there).
    static func stirlingRemainder(_ z: Double) -> Double {
        let r = 1 / z, r2 = r * r
        // B₂ₙ / (2n(2n−1)) for n = 1…7.
        let series = 1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680 + r2 * (1.0 / 1188
            + r2 * (-691.0 / 360_360 + r2 * (1.0 / 156))))))
        return series * r
    }
}

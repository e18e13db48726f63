/// Embedding-norm drift: W1 between the distributions of the rows' L2 norms. Most embedding
/// models L2-normalise their output, so in the baseline every norm is 1 up to rounding, and
/// additive corruption the distribution-shape estimators barely see (heavy-tailed noise on every
/// coordinate: golden/README's `heavy_tail 0.01`) moves the norms at once. Also catches a model
/// that stops normalising, or a scale change.
public enum NormDrift {
    /// The rows' L2 norms (accumulated in Double), sorted ascending.
    public static func sortedNorms(_ m: Matrix) -> [Double] {
        var norms = [Double](repeating: 0, count: m.rows)
        m.values.withUnsafeBufferPointer { v in
            for r in 0..<m.rows {
                var s = 0.0
                for c in 0..<m.cols { let x = Double(v[r * m.cols + c]); s += x * x }
                norms[r] = s.squareRoot()
            }
        }
        return Numerics.sorted(norms)
    }

    /// W1 between the baseline's sorted norms and the window's.
    public static func w1(referenceSortedNorms reference: [Double], window: Matrix) -> Double {
        Wasserstein.w1Sorted(reference, sortedNorms(window))
    }
}

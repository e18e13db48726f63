import DriftEstimators
import Foundation
import TwinwatchCore

/// The Python references of golden/README.md (scipy, POT, scikit-learn), timed on the bench's own
/// data in the same run: on a shared machine whose speed moves by ±15 % or more between runs, a
/// ratio of two timings taken minutes apart measures the neighbours as much as the code.
enum PythonDriftReference {
    /// Best-of-`repetitions` seconds per estimator (`hist_kl`: dimensions only, as the reference
    /// table), one BLAS/OpenMP thread, float64 copies made before the clock starts.
    static func seconds(baseline: Matrix, current: Matrix, estimators: Set<DriftEstimatorKind>,
                        repetitions: Int = 3) throws -> [DriftEstimatorKind: Double] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("twinwatch-bench-ref-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let x = directory.appendingPathComponent("baseline.f32bin"), y = directory.appendingPathComponent("current.f32bin")
        try EmbeddingWriter.f32bin(baseline).write(to: x)
        try EmbeddingWriter.f32bin(current).write(to: y)
        let names = estimators.filter { $0 != .health }.sorted().map(\.rawValue)
        let (output, status) = try PythonReference.run(script, arguments: [x.path, y.path, names.joined(separator: ","), String(repetitions)])
        guard status == 0, let object = try? JSONSerialization.jsonObject(with: output) as? [String: Double] else {
            throw CLIError(message: "bench drift: --python-reference needs python3 with numpy, scipy, POT and scikit-learn"
                + " (scripts/reference-requirements.txt); exit \(status)")
        }
        var out = [DriftEstimatorKind: Double]()
        for (name, value) in object { if let kind = DriftEstimatorKind(rawValue: name) { out[kind] = value } }
        return out
    }

    /// ref.py's reference calls, timed; prints one JSON object of seconds by estimator name.
    static let script = """
        import json, math, sys, time
        import numpy as np
        try:
            from threadpoolctl import threadpool_limits
            threadpool_limits(1)
        except ImportError:
            pass
        import scipy.linalg, scipy.stats

        def read(path):
            raw = open(path, "rb").read()
            n, d = (int(v) for v in np.frombuffer(raw[8:16], dtype="<u4"))
            return np.frombuffer(raw[16:16 + 4 * n * d], dtype="<f4").reshape(n, d).astype(np.float64)

        X, Y = read(sys.argv[1]), read(sys.argv[2])
        names, reps = sys.argv[3].split(","), int(sys.argv[4])
        n, d = X.shape
        m = Y.shape[0]

        def w1():
            return [scipy.stats.wasserstein_distance(X[:, j], Y[:, j]) for j in range(d)]

        P = np.random.default_rng(42).standard_normal((128, d))
        P /= np.linalg.norm(P, axis=1, keepdims=True)
        def sliced():
            import ot
            return ot.sliced_wasserstein_distance(X, Y, projections=P.T, p=2)

        def frechet():  # pytorch-fid's calculate_frechet_distance
            mu1, mu2 = X.mean(axis=0), Y.mean(axis=0)
            s1, s2 = np.cov(X, rowvar=False), np.cov(Y, rowvar=False)
            covmean = scipy.linalg.sqrtm(s1.dot(s2)).real
            diff = mu1 - mu2
            return diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)

        def gaussian_kl():
            def full(m0, S0, m1, S1):
                c1 = scipy.linalg.cho_factor(S1, lower=True)
                c0 = scipy.linalg.cho_factor(S0, lower=True)
                dm = m1 - m0
                return 0.5 * (np.trace(scipy.linalg.cho_solve(c1, S0)) + dm @ scipy.linalg.cho_solve(c1, dm) - d
                              + 2 * np.sum(np.log(np.diag(c1[0]))) - 2 * np.sum(np.log(np.diag(c0[0]))))
            m0, m1 = X.mean(0), Y.mean(0)
            S0 = np.cov(X, rowvar=False) + 1e-6 * np.eye(d)
            S1 = np.cov(Y, rowvar=False) + 1e-6 * np.eye(d)
            v0, v1, dm2 = np.diag(S0), np.diag(S1), (m1 - m0) ** 2
            return (full(m0, S0, m1, S1), full(m1, S1, m0, S0),
                    0.5 * np.sum(v0 / v1 + dm2 / v1 - 1 + np.log(v1 / v0)), 0.5 * np.sum(v1 / v0 + dm2 / v0 - 1 + np.log(v0 / v1)))

        def hist_kl(bins=32):
            def counts(base, col):
                lo, hi = base.min(), base.max()
                idx = np.zeros(col.shape[0], dtype=np.int64) if hi <= lo else np.floor((col - lo) / (hi - lo) * bins).astype(np.int64)
                np.clip(idx, 0, bins - 1, out=idx)
                return np.bincount(idx, minlength=bins)
            out = []
            for j in range(d):
                p = (counts(X[:, j], X[:, j]) + 1) / (n + bins)
                q = (counts(X[:, j], Y[:, j]) + 1) / (m + bins)
                out.append((scipy.stats.entropy(p, q), scipy.stats.entropy(q, p)))
            return out

        def knn_kl(ks=(1, 5)):
            from sklearn.neighbors import NearestNeighbors
            kmax = max(ks)
            nnX = NearestNeighbors(n_neighbors=kmax + 1, algorithm="brute").fit(X)
            nnY = NearestNeighbors(n_neighbors=kmax + 1, algorithm="brute").fit(Y)
            dXX, _ = nnX.kneighbors(X, n_neighbors=kmax + 1)
            dXY, _ = nnY.kneighbors(X, n_neighbors=kmax)
            dYY, _ = nnY.kneighbors(Y, n_neighbors=kmax + 1)
            dYX, _ = nnX.kneighbors(Y, n_neighbors=kmax)
            return [(d / n * np.sum(np.log(dXY[:, k - 1] / dXX[:, k])) + math.log(m / (n - 1)),
                     d / m * np.sum(np.log(dYX[:, k - 1] / dYY[:, k])) + math.log(n / (m - 1))) for k in ks]

        functions = {"w1": w1, "sliced": sliced, "frechet": frechet, "gaussian_kl": gaussian_kl,
                     "hist_kl": hist_kl, "knn_kl": knn_kl}
        out = {}
        for name in names:
            best = float("inf")
            for _ in range(reps):
                t = time.perf_counter()
                functions[name]()
                best = min(best, time.perf_counter() - t)
            out[name] = best
        print(json.dumps(out))
        """
}

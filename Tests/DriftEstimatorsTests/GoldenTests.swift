import Foundation
import Testing
@testable import DriftEstimators

/// Golden agreement with the Python references (scipy / POT / sklearn) at DESIGN §5 tolerances.
@Suite struct GoldenTests {
    static let baseline: (Matrix, BaselineSummary) = {
        let m = try! Fixtures.matrix("baseline.f32bin")
        return (m, try! BaselineSummary(baseline: m))
    }()

    @Test(arguments: Fixtures.cases)
    func driftMatchesReference(caseName: String) throws {
        let current = try Fixtures.matrix("\(caseName)/current.f32bin")
        let e = try Fixtures.expected(caseName).drift
        let s = try Self.baseline.1.evaluate(current)
        print("golden \(caseName): \(Self.compare(s, e, caseName))")
    }

    /// Checks every `drift.*` value of a golden case at DESIGN §5's tolerances (1e-9, Fréchet
    /// 1e-7; argmaxes exact) and returns the relative errors, for the test log.
    static func compare(_ s: DriftScores, _ e: Expected.Drift, _ caseName: String) -> String {
        var worst: [String: Double] = [:]
        func check(_ key: String, _ got: Double?, _ want: Double, rel: Double = 1e-9) {
            guard let got else { Issue.record("\(caseName) \(key): missing"); return }
            #expect(got.isFinite, "\(caseName) \(key) not finite")
            #expect(close(got, want, rel: rel), "\(caseName) \(key): \(got) vs \(want)")
            worst[key] = relativeError(got, want)
        }
        check("w1.mean", s.w1?.mean, e.w1_per_dim.mean)
        check("w1.max", s.w1?.max, e.w1_per_dim.max)
        #expect(s.w1?.argmax == e.w1_per_dim.argmax, "\(caseName) w1 argmax")
        check("sliced_w1", s.sliced?.sw1, e.sliced_w.sw1_portable)
        check("sliced_w2", s.sliced?.sw2, e.sliced_w.sw2_portable)
        check("frechet", s.frechet, e.frechet, rel: 1e-7)
        check("gauss.full_bc", s.gaussianKL?.fullBaseCur, e.gaussian_kl.full_base_cur)
        check("gauss.full_cb", s.gaussianKL?.fullCurBase, e.gaussian_kl.full_cur_base)
        check("gauss.diag_bc", s.gaussianKL?.diagBaseCur, e.gaussian_kl.diag_base_cur)
        check("gauss.diag_cb", s.gaussianKL?.diagCurBase, e.gaussian_kl.diag_cur_base)
        for (name, got, want) in [("hist_dims", s.histKLDims, e.hist_kl_dims), ("hist_proj", s.histKLProj, e.hist_kl_proj)] {
            check("\(name).mean_bc", got?.meanBaseCur, want.base_cur.mean)
            check("\(name).max_bc", got?.maxBaseCur, want.base_cur.max)
            check("\(name).mean_cb", got?.meanCurBase, want.cur_base.mean)
            check("\(name).max_cb", got?.maxCurBase, want.cur_base.max)
            #expect(got?.argmaxBaseCur == want.base_cur.argmax, "\(caseName) \(name) argmax bc")
            #expect(got?.argmaxCurBase == want.cur_base.argmax, "\(caseName) \(name) argmax cb")
        }
        check("knn.k1_bc", s.knnKL?.baseCur(k: 1), e.knn_kl.k1_base_cur)
        check("knn.k1_cb", s.knnKL?.curBase(k: 1), e.knn_kl.k1_cur_base)
        check("knn.k5_bc", s.knnKL?.baseCur(k: 5), e.knn_kl.k5_base_cur)
        check("knn.k5_cb", s.knnKL?.curBase(k: 5), e.knn_kl.k5_cur_base)
        return worst.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%.1e", $0.value))" }.joined(separator: " ")
    }

    /// Histogram KL alone takes other paths than with W1 and sliced W: dimensions binned from the
    /// row-major Floats and projections from Float `sgemm` values with Double fallback next to an
    /// edge. The counts, hence the KLs, must be exactly those of the shared (Double) paths.
    @Test(arguments: Fixtures.cases)
    func histogramPathsAgree(caseName: String) throws {
        let current = try Fixtures.matrix("\(caseName)/current.f32bin")
        let histOnly = try BaselineSummary(baseline: Self.baseline.0, configuration: DriftConfiguration(estimators: [.histKL]))
        let got = try histOnly.evaluate(current), want = try Self.baseline.1.evaluate(current)
        #expect(got.histKLDims == want.histKLDims, "\(caseName) dims")
        #expect(got.histKLProj == want.histKLProj, "\(caseName) projections")
    }

    @Test func portableProjectionCheckValues() throws {
        var rng = SplitMix64(seed: 42)
        #expect([rng.next(), rng.next(), rng.next()] == [13679457532755275413, 2949826092126892291, 5139283748462763858])
        let theta = PortableProjections.matrix(dimensions: 256, count: 128, seed: 42)
        #expect(Array(theta[0..<4]) == [0.02649777955688992, 0.04170190382181716, -0.05698548056596436, 0.08477566650623167])
        for r in [0, 57, 127] {
            let norm = (0..<256).reduce(0.0) { $0 + theta[r * 256 + $1] * theta[r * 256 + $1] }.squareRoot()
            #expect(abs(norm - 1) < 1e-14)
        }
    }

    @Test func projectionsFileMatchesGenerator() throws {
        let file = try Fixtures.matrix("projections.f32bin")
        #expect(file.rows == 128 && file.cols == 32)
        let theta = PortableProjections.matrix(dimensions: 32, count: 128, seed: 42)
        let mismatches = (0..<theta.count).filter { Float(theta[$0]) != file.values[$0] }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(theta.count) entries differ from projections.f32bin")
    }
}

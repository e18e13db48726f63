import Foundation

/// One line of a benchmark suite, in the JSON shape of DESIGN §9.
struct BenchLine: Encodable {
    let name: String
    let n: Int
    let d: Int
    let seconds: Double
    /// Events (throughput suites) or runs per second.
    let perSecond: Double
    let referenceSeconds: Double?
    /// Median thread CPU seconds (≈ `seconds` on an idle machine; less when descheduled).
    var cpuSeconds: Double? = nil
    /// Extra numbers a suite reports beside the contract fields (e.g. one-off setup time).
    var extra: [String: Double] = [:]

    var ratio: Double? { referenceSeconds.map { $0 / seconds } }

    enum CodingKeys: String, CodingKey {
        case name, n, d, seconds, perSecond = "per_second", referenceSeconds = "reference_seconds", ratio, cpuSeconds = "cpu_seconds"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(n, forKey: .n)
        try c.encode(d, forKey: .d)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(perSecond, forKey: .perSecond)
        try c.encode(referenceSeconds, forKey: .referenceSeconds)
        try c.encode(ratio, forKey: .ratio)
        try c.encodeIfPresent(cpuSeconds, forKey: .cpuSeconds)
        var extras = encoder.container(keyedBy: ExtraKey.self)
        for (key, value) in extra.sorted(by: { $0.key < $1.key }) { try extras.encode(value, forKey: ExtraKey(key)) }
    }

    private struct ExtraKey: CodingKey {
        let stringValue: String
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}

/// A benchmark suite's results: `{"suite":…, "threads":1, "results":[…]}` or a table.
struct BenchReport: Encodable {
    let suite: String
    let threads = 1
    let results: [BenchLine]

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain numbers and strings cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    func table(unit: String) -> String {
        var out = "name                         n      d     seconds   \(unit.padding(toLength: 12, withPad: " ", startingAt: 0))  reference   ratio\n"
        for r in results {
            out += r.name.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: " %8d %6d %11.4f %14.0f %10@ %7@\n", r.n, r.d, r.seconds, r.perSecond,
                         r.referenceSeconds.map { String(format: "%.3f", $0) } ?? "-",
                         r.ratio.map { String(format: "%.1fx", $0) } ?? "-")
        }
        return out
    }
}

/// Timing helpers shared by the bench suites.
enum BenchClock {
    /// CPU time of the calling thread: on a shared machine it excludes time spent descheduled
    /// (with one BLAS thread all the work runs on this thread).
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Median wall and thread-CPU seconds of `repetitions` runs of `body`.
    static func median<E: Error>(repetitions: Int, _ body: () throws(E) -> Void) throws(E) -> (wall: Double, cpu: Double) {
        var wall = [Double](), cpu = [Double]()
        for _ in 0..<repetitions {
            let t = DispatchTime.now().uptimeNanoseconds, c = threadCPUSeconds()
            try body()
            cpu.append(threadCPUSeconds() - c)
            wall.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9)
        }
        return (wall.sorted()[wall.count / 2], cpu.sorted()[cpu.count / 2])
    }
}

/// The Python side of the benches' same-run references.
enum PythonReference {
    /// Runs `python -c script arguments…` (python3 on PATH by default) with one BLAS / OpenMP
    /// thread; its stdout and exit status.
    static func run(_ script: String, arguments: [String], python: String = "python3") throws -> (output: Data, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script] + arguments
        var environment = ProcessInfo.processInfo.environment
        for key in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"] { environment[key] = "1" }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (output, process.terminationStatus)
    }
}

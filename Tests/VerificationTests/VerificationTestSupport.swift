import Foundation
import Testing
import TwinwatchCore
import Verification

/// Labelled scores as the golden generator wrote them (`.events.bin`): score, label, cohort index.
struct GoldenScoreEvents {
    var scores: [Double] = []
    var genuine: [Bool] = []
    var cohorts: [String] = []

    /// The fixture at `Fixtures/golden/<path>`.
    static func load(_ path: String) throws -> GoldenScoreEvents {
        let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/golden/\(path)"))
        return try read(EVT1: [UInt8](Data(contentsOf: url)))
    }

    /// Only the fields verification needs of golden/README's EVT1 layout (the codec proper is
    /// EventCodec's, which this pure module's tests do not link): header "EVT1", u32 version, n, d;
    /// records of 24 + 4d bytes with u16 cohort at 16, u8 label at 18, f32 score at 20.
    static func read(EVT1 bytes: [UInt8]) throws -> GoldenScoreEvents {
        try #require(bytes.count >= 16 && bytes.starts(with: Array("EVT1".utf8)))
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        let n = u32(8), d = u32(12), size = 24 + 4 * d
        try #require(bytes.count == 16 + n * size)
        var out = GoldenScoreEvents()
        for i in 0..<n {
            let r = 16 + i * size
            let cohort = Int(bytes[r + 16]) | Int(bytes[r + 17]) << 8
            let label = bytes[r + 18]
            let bits = UInt32(bytes[r + 20]) | UInt32(bytes[r + 21]) << 8 | UInt32(bytes[r + 22]) << 16 | UInt32(bytes[r + 23]) << 24
            try #require(label <= 1)
            out.scores.append(Double(Float(bitPattern: bits)))  // float32 widened, as ref.py does
            out.genuine.append(label == 1)
            out.cohorts.append("c\(cohort)")
        }
        return out
    }
}

/// A seeded generator (SplitMix64) for the randomised comparisons.
struct ScoreRNG: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in (0, 1].
    mutating func unit() -> Double { Double((next() >> 11) + 1) * 0x1p-53 }
    /// Standard normal (Box–Muller).
    mutating func gaussian() -> Double {
        let u1 = unit(), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// n labelled scores: genuine ~ N(0.7, 0.12), impostors ~ N(0.45, 0.12), rounded to `decimals`
    /// (few decimals → many ties), genuine with probability `genuineShare`.
    mutating func labelledScores(_ n: Int, genuineShare: Double = 0.35, decimals: Int? = 3) -> (scores: [Double], genuine: [Bool]) {
        var scores = [Double](), genuine = [Bool]()
        for _ in 0..<n {
            let g = Double.random(in: 0..<1, using: &self) < genuineShare
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self), u2 = Double.random(in: 0..<1, using: &self)
            let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            var s = (g ? 0.7 : 0.45) + 0.12 * z
            if let decimals {
                let scale = pow(10, Double(decimals))
                s = (s * scale).rounded() / scale
            }
            scores.append(s)
            genuine.append(g)
        }
        return (scores, genuine)
    }
}

/// The reference Python (scipy, scikit-learn) of scripts/reference-venv.sh, or nil when it is missing.
enum ReferencePython {
    /// `.venv-ref/bin/python3` of this checkout if it imports scipy and sklearn, else `python3` on PATH if it does.
    static let executable: String? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let venv = root.appendingPathComponent(".venv-ref/bin/python3").path
        for candidate in [venv, "/usr/bin/env"] {
            let prefix = candidate == venv ? [] : ["python3"]
            if (try? run(candidate, prefix + ["-c", "import scipy.stats, sklearn.metrics"], input: Data()))?.status == 0 {
                return candidate
            }
        }
        return nil
    }()

    static var available: Bool { executable != nil }

    /// Runs `script` with `input` on stdin; its stdout parsed as JSON (NaN / Infinity allowed).
    static func json<T: Decodable>(_ type: T.Type, script: String, input: some Encodable) throws -> T {
        let python = try #require(executable, "no reference python (run scripts/reference-venv.sh)")
        let arguments = (python == "/usr/bin/env" ? ["python3"] : []) + ["-c", script]
        let result = try run(python, arguments, input: try JSONEncoder().encode(input))
        try #require(result.status == 0, "reference python exited \(result.status): \(String(decoding: result.error, as: UTF8.self))")
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        return try decoder.decode(T.self, from: result.output)
    }

    private static func run(_ executable: String, _ arguments: [String], input: Data) throws -> (status: Int32, output: Data, error: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = environment
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        // The scripts read all of stdin before writing, and write little to stderr (warnings):
        // reading stdout to its end, then stderr, cannot block the child.
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let error = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output, error)
    }
}

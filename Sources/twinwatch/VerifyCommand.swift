import ArgumentParser
import EventCodec
import Foundation
import TwinwatchCore
import Verification

/// `twinwatch verify FILE`: FAR/FRR/recall/precision with intervals, EER and thresholds at target
/// FARs, per cohort and overall, from labelled scores in an event file (DESIGN §6, JSON per §9).
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verification quality from labelled scores (.jsonl or .events.bin): per cohort and overall.",
        discussion: """
            Events with both a score and a label (1 genuine, 0 impostor) are counted; the others are
            skipped and their number reported. Accept ⇔ score ≥ threshold. A target FAR that no
            observed score reaches gets no threshold (JSON "threshold": null, "reachable": false:
            only accepting nothing meets it). Rates without a denominator are null.
            """)

    @Argument(help: "Event file: JSON lines or EVT1 binary (.events.bin).")
    var file: String

    @Option(help: "Decision threshold for the counts (accept ⇔ score ≥ threshold).")
    var threshold = 0.55

    @Option(name: .customLong("target-far"), help: "Comma-separated FAR targets to find thresholds for.")
    var targetFAR = "0.01,0.001"

    @Option(help: "Group by: cohort, model, or none (overall only).")
    var by = "cohort"

    @Option(help: "Interval on each rate: wilson or clopper-pearson (95 %).")
    var interval = "wilson"

    @Flag(help: "Print JSON (DESIGN §9) instead of tables.")
    var json = false

    func validate() throws {
        guard threshold.isFinite else { throw ValidationError("--threshold must be a finite number") }
        _ = try targets()
        guard ["cohort", "model", "none"].contains(by) else { throw ValidationError("--by: cohort, model or none, not \(by)") }
        guard RateInterval.Method(rawValue: interval) != nil else {
            throw ValidationError("--interval: wilson or clopper-pearson, not \(interval)")
        }
    }

    private func targets() throws -> [Double] {
        try targetFAR.split(separator: ",", omittingEmptySubsequences: false).map {
            let text = $0.trimmingCharacters(in: .whitespaces)
            guard let v = Double(text), v.isFinite, (0...1).contains(v) else {
                throw ValidationError("--target-far: \"\(text)\" is not a rate in [0, 1]")
            }
            return v
        }
    }

    func run() throws {
        let input = try LabelledInput(path: file, by: by)
        let options = VerificationSummary.Options(threshold: threshold, targetFARs: try targets(),
                                                  interval: RateInterval.Method(rawValue: interval) ?? .wilson)
        let summary = VerificationSummary(scores: input.scores, genuine: input.genuine, groupIndices: by == "none" ? nil : input.groups,
                                          groupNames: input.groupNames, options: options)
        if json {
            print(VerifyReport(summary: summary, by: by, skipped: input.skipped).json())
        } else {
            print(VerifyReport(summary: summary, by: by, skipped: input.skipped).table(file: file), terminator: "")
        }
    }
}

/// The labelled scores of an event file, as parallel arrays with a group index per score. Every
/// event is read and validated by `EventFileReader`, as the consumer would; JSON lines go through
/// it in 1 MB blocks of whole lines, so that only the scores stay in memory, not a million events
/// (1 M lines, measured: 96 MB resident instead of 354 MB when the whole file was read at once,
/// and a quarter less time, most of it page faults).
struct LabelledInput {
    var scores = [Double]()
    var genuine = [Bool]()
    /// Group index of each score (empty with `--by none`).
    var groups = [Int]()
    var groupNames = [String]()
    /// Events read.
    var events = 0
    /// Events without a score or without a label.
    var skipped = 0
    private let by: String
    private var index = [String: Int]()

    /// Bytes of the file read at a time; the reader gets the whole lines among them.
    static let chunkBytes = 1 << 20

    init(path: String, by: String) throws {
        self.by = by
        let url = URL(fileURLWithPath: path)
        let reader = EventFileReader()
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            var buffer = [UInt8](), carry = [UInt8]()
            var consumed = 0  // bytes of the file handed to the reader so far
            while true {
                let block = try handle.read(upToCount: Self.chunkBytes) ?? Data()
                if consumed == 0 && carry.isEmpty && block.starts(with: EVT1.magic) {
                    // Binary records are compact and fixed-size: the reader takes the whole file.
                    do { add(try reader.read(contentsOf: url)) } catch { throw CLIError(message: "verify: \(error)", exitCode: 2) }
                    break
                }
                buffer.removeAll(keepingCapacity: true)
                buffer += carry
                buffer += block
                // Whole lines only; the rest waits for the next block (or is the last line).
                let cut = block.isEmpty ? buffer.count : (buffer.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0)
                carry = Array(buffer[cut...])
                buffer.removeSubrange(cut...)
                if !buffer.isEmpty {
                    do { add(try reader.readJSONLines(buffer, name: path)) } catch {
                        throw CLIError(message: "verify: \(Self.locate(error, path: path, linesBefore: try Self.lines(in: url, before: consumed)))", exitCode: 2)
                    }
                    consumed += buffer.count
                }
                if block.isEmpty { break }
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError(message: "verify: \(path): \(error.localizedDescription)", exitCode: 2)
        }
        guard !scores.isEmpty else {
            throw CLIError(message: "verify: \(path): no labelled events (\(events) events, none with both score and label)", exitCode: 2)
        }
        if by != "none" && index[VerificationSummary.overall] != nil {
            throw CLIError(message: "verify: \(path): a \(by) is named \"\(VerificationSummary.overall)\", the name of the overall figures; use --by none",
                           exitCode: 2)
        }
    }

    private mutating func add(_ batch: [InferenceEvent]) {
        events += batch.count
        for event in batch {
            guard let score = event.score, let label = event.label else {
                skipped += 1
                continue
            }
            scores.append(score)
            genuine.append(label == 1)
            if by == "none" { continue }  // the overall figures only
            let name = by == "model" ? event.model : event.cohort
            if let i = index[name] {
                groups.append(i)
            } else {
                index[name] = groupNames.count
                groups.append(groupNames.count)
                groupNames.append(name)
            }
        }
    }

    /// Line breaks in the first `count` bytes of the file (to locate an error: the reader numbered a chunk's lines).
    private static func lines(in url: URL, before count: Int) throws -> Int {
        try Data(contentsOf: url, options: .alwaysMapped).prefix(count).count { $0 == UInt8(ascii: "\n") }
    }

    /// The reader's error with the line number in the whole file (it numbered the chunk's lines).
    private static func locate(_ error: EventFileError, path: String, linesBefore: Int) -> String {
        guard error.location.hasPrefix(path + ":"), let line = Int(error.location.dropFirst(path.count + 1)) else { return "\(error)" }
        return "\(path):\(line + linesBefore): \(error.message)"
    }
}

/// The `verify` output: DESIGN §9 JSON or tables.
struct VerifyReport: Encodable {
    let summary: VerificationSummary
    let by: String
    let skipped: Int

    private struct GroupKey: CodingKey {
        let stringValue: String
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    private enum Keys: String, CodingKey { case threshold, interval, by, skipped, cohorts }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(summary.options.threshold, forKey: .threshold)
        try c.encode(summary.options.interval.rawValue, forKey: .interval)
        try c.encode(by, forKey: .by)
        try c.encode(skipped, forKey: .skipped)
        var groups = c.nestedContainer(keyedBy: GroupKey.self, forKey: .cohorts)
        for group in summary.groups { try groups.encode(group, forKey: GroupKey(group.name)) }
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Every number is finite (undefined values are encoded as null): encoding cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    func table(file: String) -> String {
        let o = summary.options
        let level = o.interval == .wilson ? "Wilson" : "Clopper–Pearson"
        let groups = summary.groups
        var out = "\(file): \(summary.overallGroup.counts.total) labelled events"
            + (skipped > 0 ? ", \(skipped) skipped (no score or no label)" : "")
            + "; accept ⇔ score ≥ \(o.threshold); 95 % \(level) intervals\n\n"
        var rows = [["\(by == "none" ? "" : by)", "n", "genuine", "tp", "fn", "fp", "tn", "FAR [95 % CI]", "FRR [95 % CI]",
                     "recall", "precision", "EER", "EER thr"]]
        for g in groups {
            let c = g.counts
            rows.append([g.name, "\(c.total)", "\(c.genuine)", "\(c.tp)", "\(c.fn)", "\(c.fp)", "\(c.tn)",
                         Self.rate(c.far, g.farInterval), Self.rate(c.frr, g.frrInterval), Self.number(c.recall),
                         Self.number(c.precision), Self.number(g.eer?.rate), Self.number(g.eer.flatMap { $0.threshold.isFinite ? $0.threshold : nil })])
        }
        out += Self.layout(rows)
        guard !o.targetFARs.isEmpty else { return out }
        out += "\nthresholds at target FAR: the smallest observed score with FAR ≤ target"
            + " (\"unreachable\": no observed score meets it, only accepting nothing does)\n\n"
        rows = [["\(by == "none" ? "" : by)", "target FAR", "threshold", "FAR", "TPR"]]
        for g in groups {
            for t in g.targets {
                let threshold = t.result.map { $0.reachable ? Self.number($0.threshold) : "unreachable" } ?? "no impostors"
                rows.append([g.name, "\(t.targetFAR)", threshold, Self.number(t.result?.far), Self.number(t.result?.tpr)])
            }
        }
        return out + Self.layout(rows)
    }

    private static func number(_ v: Double?) -> String { v.map { String(format: "%.6g", $0) } ?? "-" }

    private static func rate(_ v: Double?, _ interval: RateInterval?) -> String {
        guard let v, let interval else { return "-" }
        return String(format: "%.4f [%.4f, %.4f]", v, interval.lower, interval.upper)
    }

    /// Columns right-aligned (the first left-aligned), two spaces apart.
    private static func layout(_ rows: [[String]]) -> String {
        let widths = (0..<rows[0].count).map { col in rows.map { $0[col].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { col, cell in
                let pad = String(repeating: " ", count: widths[col] - cell.count)
                return col == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

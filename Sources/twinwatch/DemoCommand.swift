import ArgumentParser
import DemoSupport
import Foundation
import Logging
import TwinwatchCore

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Self-contained run: mock Kafka cluster, synthetic events with a mean shift and a recovery, the daemon with the shipped alert rules, a local signed-webhook sink.")

    @Option(help: "Mean shift injected in the last phase, in noise standard deviations (0 = no drift).")
    var shift: Double = 0.5

    @Option(help: "Events produced per second.")
    var rate: Int = DemoScenario().eventsPerSecond

    @Option(help: "Random seed of the synthetic stream.")
    var seed: UInt64 = 42

    @Option(help: ArgumentHelp("The alert rule file (its durations run \(Int(DemoScenario().timeScale))× faster in the demo).",
                               discussion: "Default: \(AlertingSettings.defaultRulesFile) in the current directory (a checkout), else the installed "
                                   + "copy beside the executable, ../share/twinwatch/\(AlertingSettings.defaultRulesFile) (the package)."))
    var rules: String?

    @Option(name: .long, help: "Log level of the daemon's own log lines (stderr).")
    var logLevel: Logger.Level = .warning

    func run() async throws {
        var scenario = DemoScenario()
        scenario.meanShift = shift
        scenario.eventsPerSecond = rate
        scenario.seed = seed
        let rules: [AlertRule]
        let rulesFile = self.rules ?? Self.shippedRulesFile()
        do {
            rules = try RuleFileLoader.load(path: rulesFile)
        } catch {
            throw CLIError(message: "demo: invalid rule file\n\(error.description)", exitCode: 2)
        }
        print("twinwatch demo: \(scenario.baselineRows) baseline + \(scenario.steadyRows) steady + \(scenario.shiftedRows) shifted + "
            + "\(scenario.recoveredRows) recovered events, d = \(scenario.dimension), window \(scenario.windowSize) rows per cohort, B = \(scenario.nullResamples); "
            + "demo time runs \(Int(scenario.timeScale))× faster for the rules (for: 10m → 10s)")
        print("alert rules from \(rulesFile)")
        let outcome = try await DemoRunner(scenario: scenario, rules: rules, logger: LoggingOptions.logger("twinwatch", level: logLevel),
                                           output: { print($0) }).run()
        print("done in \(String(format: "%.1f", outcome.seconds)) s: \(outcome.eventsAccepted) events, \(outcome.evaluations) evaluations; "
            + "page alerts: \(outcome.count(.pending)) pending, \(outcome.count(.firing)) firing, \(outcome.count(.resolved)) resolved "
            + "(\(outcome.alertsBeforeShift) before the shift); webhook messages: \(outcome.firingMessages) firing, \(outcome.resolvedMessages) resolved, "
            + "\(outcome.badSignatures) bad signatures; outbox pending at the end: \(outcome.outboxPending); "
            + "threshold proposals for \(scenario.shiftedCohort): \(outcome.thresholdProposals)")
        guard outcome.meetsExpectation(for: scenario) else {
            throw CLIError(message: shift == 0 ? "demo: expected no alert and no notification without a shift"
                : "demo: expected pending → firing → notification → resolved after the shift, none before it, and a drained outbox")
        }
    }

    /// The checkout's rule file when run from one, else the one installed with the executable
    /// (`/usr/bin/twinwatch` → `/usr/share/twinwatch/rules/…`), so `twinwatch demo` works from the package.
    static func shippedRulesFile() -> String {
        let relative = AlertingSettings.defaultRulesFile
        if FileManager.default.fileExists(atPath: relative) { return relative }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let installed = executable.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/twinwatch").appendingPathComponent(relative).path
        return FileManager.default.fileExists(atPath: installed) ? installed : relative
    }
}

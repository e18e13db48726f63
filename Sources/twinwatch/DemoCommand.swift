import ArgumentParser
import DemoSupport
import Foundation
import Logging

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Self-contained run: mock Kafka cluster, synthetic events with a mean shift half-way, the daemon, a local webhook sink.")

    @Option(help: "Mean shift injected in the last phase, in noise standard deviations (0 = no drift).")
    var shift: Double = 0.5

    @Option(help: "Events produced per second.")
    var rate: Int = DemoScenario().eventsPerSecond

    @Option(help: "Random seed of the synthetic stream.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Log level of the daemon's own log lines (stderr).")
    var logLevel: Logger.Level = .warning

    func run() async throws {
        var scenario = DemoScenario()
        scenario.meanShift = shift
        scenario.eventsPerSecond = rate
        scenario.seed = seed
        print("twinwatch demo: \(scenario.baselineRows) baseline + \(scenario.steadyRows) steady + \(scenario.shiftedRows) shifted events, "
            + "d = \(scenario.dimension), window \(scenario.windowSize) rows per cohort, alert when the combined p-value ≤ \(scenario.level) (B = \(scenario.nullResamples))")
        let outcome = try await DemoRunner(scenario: scenario, logger: LoggingOptions.logger("twinwatch", level: logLevel), output: { print($0) }).run()
        let firing = outcome.alerts.filter { $0.status == .firing }.count
        print("done in \(String(format: "%.1f", outcome.seconds)) s: \(outcome.eventsAccepted) events, \(outcome.evaluations) evaluations, "
            + "\(firing) firing alert(s) received, \(outcome.alertsBeforeShift) before the shift")
        guard outcome.meetsExpectation(for: scenario) else {
            throw CLIError(message: "demo: expected no alert before the shift and \(shift == 0 ? "none" : "at least one") after it")
        }
    }
}

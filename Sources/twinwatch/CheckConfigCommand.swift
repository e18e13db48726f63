import ArgumentParser
import Foundation
import TwinwatchCore

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file (and its alert rule file) or a rule file alone; print every error with file, line and key.")

    @Argument(help: "The YAML configuration file, or an alert rule file (top-level `rules:`).")
    var file: String

    func run() throws {
        if let text = try? String(contentsOfFile: file, encoding: .utf8), RuleFileLoader.isRuleFile(yaml: text) {
            return try checkRules(text)
        }
        do {
            let (config, warnings) = try ConfigLoader.loadWithWarnings(path: file)
            for w in warnings { FileHandle.standardError.write(Data("warning: \(w.description)\n".utf8)) }
            let rules = config.alerting.rules
            print("\(file): OK (\(config.kafka.brokers.count) broker(s), \(config.models.count) model(s), "
                + "\(rules.count) alert rule(s) (\(rules.filter { $0.severity == .page }.count) page), "
                + "\(config.alerting.receivers.count) receiver(s), state in \(config.store.path))")
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(2)
        }
    }

    /// A rule file alone: the p-value levels are not checked against B (that needs the configuration).
    private func checkRules(_ text: String) throws {
        do {
            let rules = try RuleFileLoader.parse(yaml: text, file: file)
            print("\(file): OK (\(rules.count) alert rule(s): \(rules.map { "\($0.name) [\($0.severity.rawValue)]" }.joined(separator: ", ")))")
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(2)
        }
    }
}

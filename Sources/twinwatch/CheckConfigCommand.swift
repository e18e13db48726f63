import ArgumentParser
import Foundation
import TwinwatchCore

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate a configuration file; print every error with file, line and key.")

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
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
}

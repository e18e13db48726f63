import ArgumentParser
import BaselineStore
import Foundation
import TwinwatchCore

struct BaselineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline", abstract: "Capture, import, inspect, compare, promote and retire baselines in the state database.",
        subcommands: [BaselineImportCommand.self, BaselineCaptureCommand.self, BaselineListCommand.self, BaselineShowCommand.self,
                      BaselineDiffCommand.self, BaselinePromoteCommand.self, BaselineRetireCommand.self])
}

/// `--config` / `--db`: which state database a store command works on.
struct StoreOptions: ParsableArguments {
    @Option(help: "Configuration file (its store.path, and for capture its kafka settings).")
    var config: String?

    @Option(help: "State database path, overriding store.path ($STATE_DIRECTORY/twinwatch.sqlite or ./twinwatch.sqlite by default).")
    var db: String?

    func loadConfig() throws -> TwinwatchConfig? {
        guard let config else { return nil }
        do { return try ConfigLoader.load(path: config) } catch {
            throw CLIError(message: "\(config): invalid configuration\n\(error.description)", exitCode: 2)
        }
    }

    func openStore(_ config: TwinwatchConfig? = nil) throws -> TwinwatchStore {
        let loaded = try config ?? loadConfig()
        let path = db ?? loaded?.store.path ?? StoreSettings.defaultPath(environment: ProcessInfo.processInfo.environment)
        do { return try TwinwatchStore(path: path) } catch { throw CLIError(message: "baseline: \(error.message)") }
    }
}

/// Runs a store call, turning its error into the CLI's one-line form.
func storeCall<T>(_ context: String, _ body: () async throws(StoreError) -> T) async throws -> T {
    do { return try await body() } catch { throw CLIError(message: "baseline \(context): \(error.message)") }
}

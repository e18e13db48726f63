import ArgumentParser
import StateStore
import DriftEstimators
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

/// Refuses a baseline too small for a calibrated null at the configured window size (or, without
/// `--config`, at the smallest window), naming the documented minimum; warns where cohorts are too small.
func requireCalibratable(_ rows: Int, cohorts: [String], config: TwinwatchConfig?, context: String) throws {
    let window = config?.window.size ?? NullCalibration.minimumWindow
    if let why = NullCalibration.refusal(baselineRows: rows, windowSize: window) {
        throw CLIError(message: "baseline \(context): refused: \(why)\(config == nil ? "" : " (window.size of the configuration)")", exitCode: 2)
    }
    let counts = BaselineCohorts(perRow: cohorts)?.counts ?? [:]
    for (cohort, n) in counts.sorted(by: { $0.key < $1.key }) where n < NullCalibration.minimumBaselineRatio * window {
        let largest = NullCalibration.largestWindow(baselineRows: n)
        FileHandle.standardError.write(Data(("twinwatch: baseline \(context): warning: cohort \(cohort) has \(n) rows: "
            + (largest.map { "its windows are scored on their newest \($0) rows" } ?? "its windows are not scored for drift") + "\n").utf8))
    }
}

/// Runs a store call, turning its error into the CLI's one-line form.
func storeCall<T>(_ context: String, _ body: () async throws(StoreError) -> T) async throws -> T {
    do { return try await body() } catch { throw CLIError(message: "baseline \(context): \(error.message)") }
}

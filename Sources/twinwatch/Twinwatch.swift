import ArgumentParser
import DriftEstimators
import Foundation
import TwinwatchCore

@main
struct Twinwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twinwatch",
        abstract: "Watches Siamese / metric-learning models in production: embedding drift, verification quality, alerts.",
        version: BuildInfo.versionLine,
        subcommands: [DemoCommand.self, RunCommand.self, CheckConfigCommand.self, BaselineCommand.self, ReportCommand.self, DevKafkaCommand.self, ProduceCommand.self, DriftCommand.self, VerifyCommand.self, EvalCommand.self, BenchCommand.self]
    )

    static func main() async {
        // The daemon parallelises over windows, not BLAS threads; benchmarks time one thread. An
        // explicit OPENBLAS_NUM_THREADS was already applied by OpenBLAS when it loaded.
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil { BLASThreads.useCallingThreadOnly() }
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("twinwatch: \(error.message)\n".utf8))
            Foundation.exit(error.exitCode)
        } catch {
            exit(withError: error)
        }
    }
}

/// A failure reported as one line `twinwatch: <context>: <what is wrong>` on stderr.
struct CLIError: Error {
    let message: String
    var exitCode: Int32 = 1
}

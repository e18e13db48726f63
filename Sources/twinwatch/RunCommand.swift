import ArgumentParser
import HTTPAPI
import Monitor
import ServiceLifecycle
import TwinwatchCore

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the daemon against the brokers of a configuration file.")

    @Option(name: .long, help: "The YAML configuration file.")
    var config: String

    @Option(name: .long, help: "Comma-separated bootstrap brokers, overriding kafka.brokers.")
    var brokers: String?

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        var settings: TwinwatchConfig
        let warnings: [ConfigIssue]
        do {
            (settings, warnings) = try ConfigLoader.loadWithWarnings(path: config)
        } catch {
            throw CLIError(message: "\(config): invalid configuration\n\(error.description)", exitCode: 2)
        }
        let brokerList = brokers.map { $0.split(separator: ",").map(String.init) }
        let overrides: @Sendable (inout TwinwatchConfig) -> Void = { config in
            if let brokerList { config.kafka.brokers = brokerList }
        }
        overrides(&settings)
        let logger = logging.logger("twinwatch")
        for w in warnings { logger.warning("configuration: \(w.description)") }
        let daemon = try await Daemon(config: settings, logger: logger, configPath: config, overrides: overrides)
        var services = daemon.services
        if settings.http.enabled {
            // First in the list: stopped last, so /metrics answers until the end.
            let api = OperationsAPI(daemon: daemon, config: settings, version: TwinwatchVersion.current)
            services.insert(HTTPServer.make(host: settings.http.host, port: settings.http.port, api: api, logger: logger), at: 0)
        }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("twinwatch running", metadata: ["brokers": "\(settings.kafka.brokers.joined(separator: ","))", "topic": "\(settings.kafka.eventsTopic)"])
        try await group.run()
    }
}

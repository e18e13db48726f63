import ArgumentParser
import Foundation
import KafkaIO
import ServiceLifecycle

struct DevKafkaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-kafka",
        abstract: "Run a librdkafka mock cluster for local development; prints its bootstrap address, runs until SIGTERM.")

    @Option(help: "Partitions of each topic.")
    var partitions = 6

    @Option(help: "Number of mock brokers.")
    var brokers = 3

    @Option(help: "Comma-separated topics to create.")
    var topics = "twinwatch.events,twinwatch.feedback,twinwatch.dlq,twinwatch.thresholds"

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let cluster = try MockKafkaCluster(brokers: brokers)
        for topic in topics.split(separator: ",") { try cluster.createTopic(String(topic), partitions: partitions) }
        // One machine-readable line: scripts read the bootstrap address from it.
        print(cluster.bootstrapServers)
        fflush(nil)  // all streams: a pipe reader must see the line now
        let logger = logging.logger("twinwatch.dev-kafka")
        logger.notice("each partition keeps about 5 MiB (librdkafka's mock cluster) and drops older messages silently: start consumers before producing more")
        let group = ServiceGroup(configuration: .init(
            services: [HoldUntilShutdown(cluster: cluster)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Keeps the mock cluster alive until the group shuts down.
private struct HoldUntilShutdown: Service {
    let cluster: MockKafkaCluster

    func run() async throws {
        try? await gracefulShutdown()
        withExtendedLifetime(cluster) {}
    }
}

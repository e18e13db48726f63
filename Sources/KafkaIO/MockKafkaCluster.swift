import CRdKafka

/// An in-process librdkafka mock cluster: real Kafka protocol on loopback, for the demo,
/// `dev-kafka` and tests. Lives as long as this object.
///
/// `@unchecked Sendable`: mock cluster calls are serialised by librdkafka internally.
public final class MockKafkaCluster: @unchecked Sendable {
    private let host: OpaquePointer
    private let cluster: OpaquePointer
    /// `host:port,…` to use as `bootstrap.servers`.
    public let bootstrapServers: String

    /// Starts `brokers` mock brokers.
    public init(brokers: Int = 3) throws(KafkaError) {
        // The mock cluster needs a client handle to live in; a producer that never produces.
        host = try makeClient(RD_KAFKA_PRODUCER, RDKafkaConfig(["log_level": "3"]))
        guard let cluster = rd_kafka_mock_cluster_new(host, Int32(brokers)) else {
            rd_kafka_destroy(host)
            throw KafkaError(.mockCluster, "rd_kafka_mock_cluster_new failed")
        }
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(host)
    }

    /// Creates `topic` with `partitions` partitions.
    public func createTopic(_ topic: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        let err = rd_kafka_mock_topic_create(cluster, topic, Int32(partitions), Int32(replicationFactor))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.mockCluster, "create topic \(topic)", err) }
    }

    /// Takes broker `id` (1-based) down or brings it back, to simulate outages.
    public func setBroker(_ id: Int32, up: Bool) throws(KafkaError) {
        let err = up ? rd_kafka_mock_broker_set_up(cluster, id) : rd_kafka_mock_broker_set_down(cluster, id)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.mockCluster, "broker \(id) \(up ? "up" : "down")", err) }
    }
}

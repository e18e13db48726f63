import CRdKafka

/// Builds a librdkafka configuration. The `rd_kafka_conf_t` is created only when a client is
/// made, so this value type is freely copyable and never leaks a handle.
public struct RDKafkaConfig: Sendable {
    public private(set) var properties: [String: String] = [:]

    public init(_ properties: [String: String] = [:]) { self.properties = properties }

    public subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// Consumer-only properties (librdkafka warns when a producer is given them).
    static let consumerOnlyProperties: Set<String> = [
        "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms", "auto.offset.reset", "auto.commit.interval.ms",
        "partition.assignment.strategy", "group.instance.id", "group.protocol.type", "isolation.level", "check.crcs",
        "fetch.max.bytes", "fetch.min.bytes", "fetch.wait.max.ms", "fetch.error.backoff.ms", "fetch.message.max.bytes",
        "queued.min.messages", "queued.max.messages.kbytes", "enable.partition.eof", "coordinator.query.interval.ms",
    ]

    /// `properties` without the consumer-only ones: one `librdkafka:` config block serves both clients.
    public static func producerProperties(_ properties: [String: String]) -> [String: String] {
        properties.filter { !consumerOnlyProperties.contains($0.key) }
    }

    /// A fresh `rd_kafka_conf_t`; ownership passes to the caller (normally `rd_kafka_new`).
    func makeHandle() throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw KafkaError(.configuration, "rd_kafka_conf_new failed") }
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                // The value is not echoed: it may be a secret.
                throw KafkaError(.configuration, "librdkafka property \(key): \(string(errorBuffer: errstr))")
            }
        }
        return conf
    }
}

/// Creates a client handle of `type`; librdkafka owns `conf` once this succeeds.
/// `configure` may register callbacks on the raw configuration first.
func makeClient(_ type: rd_kafka_type_t, _ config: RDKafkaConfig, configure: (OpaquePointer) -> Void = { _ in }) throws(KafkaError) -> OpaquePointer {
    let conf = try config.makeHandle()
    configure(conf)
    var errstr = [CChar](repeating: 0, count: 512)
    guard let handle = rd_kafka_new(type, conf, &errstr, errstr.count) else {
        rd_kafka_conf_destroy(conf)
        throw KafkaError(.clientCreation, "rd_kafka_new: \(string(errorBuffer: errstr))")
    }
    return handle
}

/// The librdkafka version string, e.g. "2.0.2".
public var librdkafkaVersion: String { String(cString: rd_kafka_version_str()) }

/// The NUL-terminated text librdkafka wrote into `buffer`.
func string(errorBuffer buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

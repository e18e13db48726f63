/// A consumed Kafka record, copied out of librdkafka's buffers.
public struct KafkaMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    /// Message timestamp (create or log-append time), milliseconds since the epoch.
    public var timestampMs: Int64?
    public var headers: [(name: String, value: [UInt8])]

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]? = nil, value: [UInt8],
                timestampMs: Int64? = nil, headers: [(name: String, value: [UInt8])] = []) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestampMs = timestampMs
        self.headers = headers
    }

    /// The value of the first header called `name`.
    public func header(_ name: String) -> [UInt8]? { headers.first { $0.name == name }?.value }
}

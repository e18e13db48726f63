/// One partition of one topic: where an event was read, and what a checkpoint's offsets are for.
public struct TopicPartition: Hashable, Sendable, Codable, CustomStringConvertible {
    public let topic: String
    public let partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)/\(partition)" }
}

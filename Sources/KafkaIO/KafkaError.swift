import CRdKafka

/// A failure reported by librdkafka or by twinwatch's use of it, with context.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case configuration
        case clientCreation = "client_creation"
        case subscription
        case produce
        case commit
        case mockCluster = "mock_cluster"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// An error from a librdkafka response code, read immediately (it is thread-local state).
    init(_ code: Code, _ context: String, _ err: rd_kafka_resp_err_t) {
        self.init(code, "\(context): \(String(cString: rd_kafka_err2str(err)))")
    }

    public var description: String { message }
}

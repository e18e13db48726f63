import CRdKafka
import Logging

/// The object a librdkafka client's configuration opaque points at: it carries the logger that
/// librdkafka's own log lines (connection failures, protocol errors, …) go through, with their
/// syslog level mapped, instead of raw `%3|…|FAIL|…` lines on stderr. Subclassed by each client's
/// callback target. `@unchecked`: non-final, with nothing but an immutable, thread-safe `Logger`.
class LibrdkafkaClientContext: @unchecked Sendable {
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Sets `self` as the configuration's opaque and routes the client's log lines to `logger`
    /// (called on librdkafka's threads).
    func registerContext(on conf: OpaquePointer) {
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            guard let rk, let opaque = rd_kafka_opaque(rk), let message else { return }
            let context = Unmanaged<LibrdkafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            context.logger.log(level: LibrdkafkaClientContext.logLevel(syslog: level), "\(String(cString: message))",
                               metadata: ["librdkafka": "\(facility.map { String(cString: $0) } ?? "")"])
        }
    }

    /// syslog(3) levels as librdkafka uses them (0 emergency … 7 debug).
    static func logLevel(syslog level: Int32) -> Logger.Level {
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }
}

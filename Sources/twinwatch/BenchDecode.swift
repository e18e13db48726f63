import ArgumentParser
import EventCodec

/// `twinwatch bench decode`: single-thread event decoding throughput (placeholder while the codec lands).
struct BenchDecodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decode", abstract: "Event decoding throughput.")

    func run() async throws {}
}

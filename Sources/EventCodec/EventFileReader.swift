import Foundation
import TwinwatchCore

/// Why an event file could not be read; `location` names the file and the line or record.
public struct EventFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure; `truncated` means the file ends inside a record.
    public enum Code: String, Sendable {
        case unreadable
        case badHeader = "bad_header"
        case truncated
        case trailingBytes = "trailing_bytes"
        case invalidEvent = "invalid_event"
    }

    public let code: Code
    public let location: String
    public let message: String

    public var description: String { "\(location): \(message)" }
}

/// Reads whole event files — `.events.bin` (EVT1, n records) and `.jsonl` — for `twinwatch produce`
/// and the tests. Every event goes through `EventDecoder`, so a file holds only what Kafka would accept.
public struct EventFileReader: Sendable {
    /// Validates every event of the file.
    public var decoder: EventDecoder
    /// Model of binary records (which carry none); JSON lines name their own.
    public var model: String
    /// Cohort name of binary records; nil → `c<index>` from each record.
    public var cohort: String?

    /// A reader for files of `model` (binary records) validated by `decoder`.
    public init(decoder: EventDecoder = EventDecoder(), model: String = "default", cohort: String? = nil) {
        self.decoder = decoder
        self.model = model
        self.cohort = cohort
    }

    /// The events in the file at `url`: binary when it starts with `EVT1`, else JSON lines.
    public func read(contentsOf url: URL) throws(EventFileError) -> [InferenceEvent] {
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            throw EventFileError(code: .unreadable, location: url.path, message: "\(error.localizedDescription)")
        }
        return try read(bytes, name: url.path)
    }

    /// The events in a file's `bytes`; `name` is used in errors.
    public func read(_ bytes: [UInt8], name: String) throws(EventFileError) -> [InferenceEvent] {
        if bytes.starts(with: EVT1.magic) { return try readBinary(bytes, name: name) }
        return try readJSONLines(bytes, name: name)
    }

    /// The n records of an `.events.bin` file.
    public func readBinary(_ bytes: [UInt8], name: String) throws(EventFileError) -> [InferenceEvent] {
        // Array.withUnsafeBytes is not typed-throws: carry the error out in a Result.
        try bytes.withUnsafeBytes { p in Result { () throws(EventFileError) in try readBinary(p, name: name) } }.get()
    }

    private func readBinary(_ p: UnsafeRawBufferPointer, name: String) throws(EventFileError) -> [InferenceEvent] {
        let n: Int, d: Int
        switch EVT1.header(p) {
        case .failure(let what): throw EventFileError(code: .badHeader, location: name, message: what.message)
        case .success(let header): (n, d) = header
        }
        let size = EVT1.recordSize(dimensions: d)
        let (total, overflow) = n.multipliedReportingOverflow(by: size)
        guard !overflow else { throw EventFileError(code: .badHeader, location: name, message: "header says \(n) records of d = \(d)") }
        let expected = EVT1.headerSize + total
        guard p.count >= expected else {
            let whole = (p.count - EVT1.headerSize) / size
            throw EventFileError(code: .truncated, location: "\(name): record \(whole)",
                                 message: "header says \(n) records of \(size) bytes (\(expected) bytes), file has \(p.count)")
        }
        guard p.count == expected else {
            throw EventFileError(code: .trailingBytes, location: name, message: "\(p.count - expected) bytes after \(n) records")
        }
        var events = [InferenceEvent]()
        events.reserveCapacity(n)
        for i in 0..<n {
            let record = EVT1.record(p, at: EVT1.headerSize + i * size, d: d)
            switch decoder.event(from: record, model: model, cohort: cohort, fallbackTimestampMs: nil) {
            case .success(let event): events.append(event)
            case .failure(let rejection):
                throw EventFileError(code: .invalidEvent, location: "\(name): record \(i)", message: rejection.description)
            }
        }
        return events
    }

    /// One JSON event per line; blank lines are skipped, a last line without newline is read.
    public func readJSONLines(_ bytes: [UInt8], name: String) throws(EventFileError) -> [InferenceEvent] {
        var events = [InferenceEvent]()
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            let line = Array(bytes[start..<end])
            start = end + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            switch decoder.decodeJSON(line, fallbackTimestampMs: nil) {
            case .success(let event): events.append(event)
            case .failure(let rejection):
                throw EventFileError(code: .invalidEvent, location: "\(name):\(lineNumber)", message: rejection.description)
            }
        }
        return events
    }
}

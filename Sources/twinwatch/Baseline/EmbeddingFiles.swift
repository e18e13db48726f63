import DriftEstimators
import EventCodec
import Foundation
import TwinwatchCore

/// Rows read from a baseline or drift input file, with what the file says about them.
struct EmbeddingFile {
    let rows: Matrix
    /// Similarity scores of event files (NaN where an event had none); empty for matrix files.
    let scores: [Float]
    /// Each row's cohort for event files; empty for matrix files.
    let cohorts: [String]
    let timeFrom: Int64?
    let timeTo: Int64?
    let modelVersion: String?

    /// Reads `.npy` and `.f32bin` matrices and `.jsonl` / `.events.bin` event files (through the
    /// same decoder as Kafka ingest, so a file is valid exactly when its events would be). Bytes are
    /// read in chunks so `progress` can follow a large file.
    static func read(_ path: String, model: String? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> EmbeddingFile {
        let data = try readBytes(path, progress: progress)
        let name = URL(fileURLWithPath: path).lastPathComponent
        do {
            if name.hasSuffix(".npy") { return EmbeddingFile(rows: try EmbeddingReader.decodeNpy(data)) }
            if name.hasSuffix(".f32bin") { return EmbeddingFile(rows: try EmbeddingReader.decodeF32Bin(data)) }
        } catch {
            throw CLIError(message: "\(path): \(error.message)")
        }
        guard name.hasSuffix(".jsonl") || name.hasSuffix(".json") || name.hasSuffix(".events.bin") else {
            throw CLIError(message: "\(path): unknown extension (expected .npy, .f32bin, .jsonl, .events.bin)", exitCode: 2)
        }
        let events: [InferenceEvent]
        do {
            events = try EventFileReader(model: model ?? "default").read([UInt8](data), name: path)
        } catch {
            throw CLIError(message: error.description)
        }
        let embedded = events.filter { (model == nil || $0.model == model) && $0.embedding != nil }
        guard let d = embedded.first?.embedding?.count else {
            throw CLIError(message: "\(path): no event\(model.map { " of model \($0)" } ?? "") carries an embedding")
        }
        var values = [Float]()
        values.reserveCapacity(embedded.count * d)
        for (i, event) in embedded.enumerated() {
            guard event.embedding!.count == d else {
                throw CLIError(message: "\(path): event \(event.eventID) (#\(i)) has \(event.embedding!.count) dimensions, the first has \(d)")
            }
            values.append(contentsOf: event.embedding!)
        }
        return EmbeddingFile(rows: try Matrix(rows: embedded.count, cols: d, values: values),
                             scores: embedded.map { $0.score.map(Float.init) ?? .nan }, cohorts: embedded.map(\.cohort),
                             timeFrom: embedded.map(\.timestampMs).min(), timeTo: embedded.map(\.timestampMs).max(),
                             modelVersion: embedded.last?.modelVersion)
    }

    init(rows: Matrix, scores: [Float] = [], cohorts: [String] = [], timeFrom: Int64? = nil, timeTo: Int64? = nil, modelVersion: String? = nil) {
        self.rows = rows
        self.scores = scores
        self.cohorts = cohorts
        self.timeFrom = timeFrom
        self.timeTo = timeTo
        self.modelVersion = modelVersion
    }

    private static func readBytes(_ path: String, progress: ((Int, Int) -> Void)?) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError(message: "\(path): cannot open the file") }
        defer { try? handle.close() }
        let total = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        var data = Data()
        data.reserveCapacity(total)
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
            data.append(chunk)
            progress?(data.count, total)
        }
        return data
    }
}

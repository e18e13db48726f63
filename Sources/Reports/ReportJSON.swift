import Foundation

/// The report as JSON (`twinwatch report --format json`): the `ReportModel` with snake_case keys,
/// plus `summary`, the summary's items (`Summary.items`), at the top level. Keys are sorted, so the
/// same model always gives the same bytes. Missing values inside series are `null`; a stray
/// non-finite scalar is written as the string "NaN"/"Infinity"/"-Infinity" rather than failing.
public enum ReportJSON {
    /// Evaluations per series by default: a week at 10 s for 5 cohorts is then ~1 MB instead of ~60 MB.
    public static let defaultMaxPoints = 1000

    /// The JSON document of `model`, its series cut to `maxPoints` evaluations (`ReportModel.downsampled`;
    /// nil: full resolution). The summary is always computed from the full model, so its counts are exact.
    public static func encode(_ model: ReportModel, maxPoints: Int? = defaultMaxPoints, prettyPrinted: Bool = false) throws -> Data {
        let shown = maxPoints.map { model.downsampled(maxPoints: $0) } ?? model
        return try encoder(prettyPrinted: prettyPrinted).encode(Document(model: shown, summary: Summary.items(for: model)))
    }

    /// The model of a document made by `encode` (its `summary` is not part of the model: see `decodeSummary`).
    public static func decode(_ data: Data) throws -> ReportModel {
        try decoder().decode(ReportModel.self, from: data)
    }

    /// The summary items as stored in a document made by `encode`.
    public static func decodeSummary(_ data: Data) throws -> [SummaryItem] {
        try decoder().decode(SummaryOnly.self, from: data).summary
    }

    /// The encoder `encode` uses.
    public static func encoder(prettyPrinted: Bool = false) -> JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = prettyPrinted ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return e
    }

    /// The decoder `decode` uses.
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return d
    }

    /// The model's keys and `summary` in one object.
    private struct Document: Encodable {
        let model: ReportModel
        let summary: [SummaryItem]

        private enum CodingKeys: String, CodingKey { case summary }

        func encode(to encoder: any Encoder) throws {
            try model.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(summary, forKey: .summary)
        }
    }

    private struct SummaryOnly: Decodable {
        let summary: [SummaryItem]
    }
}

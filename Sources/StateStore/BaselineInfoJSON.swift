/// A baseline's provenance as DESIGN §9's JSON shows it (`baseline list --json`, `GET /api/v1/baselines`).
public struct BaselineInfoJSON: Encodable, Sendable {
    public let id: Int64
    public let model: String
    public let modelVersion: String?
    public let version: Int
    public let status: String
    public let n: Int
    public let d: Int
    public let createdAt: String
    public let createdBy: String
    public let source: String
    public let timeFrom: String?
    public let timeTo: String?

    public init(_ i: BaselineInfo) {
        id = i.id; model = i.model; modelVersion = i.modelVersion; version = i.version; status = i.status.rawValue
        n = i.n; d = i.d; createdAt = i.createdAt; createdBy = i.createdBy; source = i.source; timeFrom = i.timeFrom; timeTo = i.timeTo
    }

    enum CodingKeys: String, CodingKey {
        case id, model, version, status, n, d, source
        case modelVersion = "model_version", createdAt = "created_at", createdBy = "created_by", timeFrom = "time_from", timeTo = "time_to"
    }
}

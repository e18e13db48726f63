import Foundation
import Hummingbird
import Monitor
import Reports
import TwinwatchCore

/// `GET /reports/{model}[?from=…&to=…&format=json]`: the model's report (as `twinwatch report`),
/// HTML by default. `from`/`to`: RFC 3339, or `from` as a duration back from now (`7d`).
struct ReportsController: Sendable {
    let api: OperationsAPI

    func register(on router: Router<BasicRequestContext>) {
        router.get("/reports/:model") { request, context -> Response in
            guard let model = context.parameters.get("model") else {
                return APIResponse.error(.badRequest, "invalid_path", "expected /reports/{model}")
            }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let query = request.uri.queryParameters
            var bounds: [Int64?] = []
            for key in ["from", "to"] {
                guard let text = query.get(key) else { bounds.append(nil); continue }
                guard let ms = ReportAssembler.instant(text, nowMs: now) else {
                    return APIResponse.error(.badRequest, "invalid_\(key)", "\(key): expected RFC 3339 or a duration such as 7d")
                }
                bounds.append(ms)
            }
            let report = try await ReportAssembler(store: api.store, config: api.config).report(model: model, fromMs: bounds[0], toMs: bounds[1], nowMs: now)
            if query.get("format") == "json" {
                return Response(status: .ok, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(bytes: try ReportJSON.encode(report))))
            }
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: HTMLReport.render(report))))
        }
    }
}

import Hummingbird
import Monitor
import StateStore

/// `GET /api/v1/baselines[?model=M]` (DESIGN §9's `baseline list` shape) and
/// `POST /api/v1/baselines/{id}/promote` (authenticated): the baseline becomes its model's active
/// one, the previous active one is retired atomically; the evaluator switches at its next round.
struct BaselinesController: Sendable {
    let api: OperationsAPI

    func register(on router: Router<BasicRequestContext>, mutating: RouterGroup<BasicRequestContext>) {
        router.get("/api/v1/baselines") { request, _ -> Response in
            let model = request.uri.queryParameters.get("model")
            return try APIResponse.json(encoding: try await api.store.baselines(model: model).map(BaselineInfoJSON.init))
        }
        mutating.post("/baselines/:id/promote") { _, context -> Response in
            guard let id = context.parameters.get("id").flatMap(Int64.init) else {
                return APIResponse.error(.badRequest, "invalid_id", "the baseline id must be an integer")
            }
            do {
                let (promoted, replaced) = try await api.store.promote(id: id)
                context.logger.info("baseline promoted through the API", metadata: ["baseline": "\(id)", "model": "\(promoted.model)"])
                return try APIResponse.json(encoding: Promotion(promoted: BaselineInfoJSON(promoted), replaced: replaced.map(BaselineInfoJSON.init),
                                                                effective: "at the evaluator's next round"))
            } catch let error as StoreError {
                switch error.code {
                case .notFound: return APIResponse.error(.notFound, "not_found", error.message)
                case .invalidTransition, .invalidBaseline: return APIResponse.error(.conflict, "invalid_transition", error.message)
                case .open, .database: return APIResponse.error(.internalServerError, "store", error.message)
                }
            }
        }
    }

    struct Promotion: Encodable {
        let promoted: BaselineInfoJSON
        let replaced: BaselineInfoJSON?
        let effective: String
    }
}

/// `POST /api/v1/reload` (authenticated): re-reads the configuration file, as SIGHUP does. 200
/// with what changed and what needs a restart; 422 with every issue when the file is refused
/// (the running configuration stays).
struct ReloadController: Sendable {
    let api: OperationsAPI

    func register(mutating: RouterGroup<BasicRequestContext>) {
        mutating.post("/reload") { _, _ -> Response in
            guard let reloader = api.reloader else {
                return APIResponse.error(.conflict, "no_config_file", "the daemon was not started from a configuration file")
            }
            let outcome = await reloader.reload()
            guard outcome.ok else {
                return APIResponse.error(.unprocessableContent, "invalid_config", outcome.error ?? "the configuration was refused")
            }
            return try APIResponse.json(["ok": true, "applied": outcome.applied, "need_restart": outcome.needRestart])
        }
    }
}

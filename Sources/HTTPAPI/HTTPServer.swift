import Hummingbird
import Logging

/// The daemon's HTTP server (Hummingbird), a `Service` in the daemon's group: DESIGN §8's
/// operations endpoints and API. Mutating endpoints (`POST /api/v1/…`) need the bearer token.
public enum HTTPServer {
    /// Every route of `api` (also what `app.test(.router)` tests).
    public static func router(api: OperationsAPI) -> Router<BasicRequestContext> {
        let router = Router()
        let mutating = router.group("/api/v1").add(middleware: BearerTokenMiddleware(token: api.config.http.token))
        OperationsController(api: api).register(on: router)
        StatusController(api: api).register(on: router)
        AlertsController(alerts: api.alerts, store: api.store).register(on: router)
        BaselinesController(api: api).register(on: router, mutating: mutating)
        ThresholdsController(api: api).register(on: router, mutating: mutating)
        ReloadController(api: api).register(mutating: mutating)
        ReportsController(api: api).register(on: router)
        return router
    }

    /// An application listening on `host:port`; `onServerRunning` gets the bound port.
    public static func make(host: String, port: Int, api: OperationsAPI, logger: Logger,
                            onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(api: api), configuration: .init(address: .hostname(host, port: port), serverName: "twinwatch"),
            onServerRunning: { await onServerRunning($0.localAddress?.port ?? port) }, logger: logger)
    }
}

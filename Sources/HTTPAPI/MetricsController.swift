import Hummingbird
import Monitor

/// `/metrics` (Prometheus text), `/healthz` (process alive), `/readyz` (consuming, store writable,
/// every configured model's baseline calibrated: 200, else 503 with the failing checks).
struct OperationsController: Sendable {
    let api: OperationsAPI

    func register(on router: Router<BasicRequestContext>) {
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: api.metrics.exposition())))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            let ready = await api.readiness()
            return try APIResponse.json(ready.json, status: ready.isReady ? .ok : .serviceUnavailable)
        }
    }
}

import Alerting
import DriftEstimators
import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Logging
import Monitor
import StateStore
import Systemd
import Testing
import TwinwatchCore

/// Every endpoint through the router (`app.test(.router)`): shapes, the bearer token on mutating
/// endpoints, body limits, the stable error shape, and what the mutations change.
@Suite("HTTP API (router)")
struct APIRouterTests {
    static let token = "0123456789abcdef-token"

    /// An API over a fresh store and state, started from a configuration file (for reload).
    struct Fixture {
        let api: OperationsAPI
        let configPath: String
        let publishFile: String
        let directory: URL

        init(token: String? = APIRouterTests.token) async throws {
            var logger = Logger(label: "t")
            logger.logLevel = .critical
            directory = URL(fileURLWithPath: try TemporaryStore.path("api")).deletingLastPathComponent()
            configPath = directory.appendingPathComponent("twinwatch.yaml").path
            publishFile = directory.appendingPathComponent("thresholds.json").path
            if let token { try token.write(toFile: directory.appendingPathComponent("token").path, atomically: true, encoding: .utf8) }
            try Self.rules(extra: false).write(toFile: directory.appendingPathComponent("rules.yaml").path, atomically: true, encoding: .utf8)
            try Self.config(directory: directory, token: token != nil).write(toFile: configPath, atomically: true, encoding: .utf8)
            let config = try ConfigLoader.load(path: configPath)
            let store = try TwinwatchStore(path: config.store.path)
            let state = MonitorState(config: config, store: store, logger: logger)
            let alerts = try await AlertCoordinator(settings: config.alerting, defaultConsecutiveWindows: 1, store: store, logger: logger)
            let reloader = ConfigReloader(path: configPath, running: config, state: state, alerts: alerts,
                                          notifier: SystemdNotifier(environment: [:]), logger: logger)
            api = OperationsAPI(config: config, state: state, store: store, metrics: DaemonMetrics(), alerts: alerts, reloader: reloader,
                                publisher: ThresholdPublisher(producer: nil, topic: nil, file: publishFile, logger: logger), version: "test")
        }

        static func config(directory: URL, token: Bool) -> String {
            """
            kafka:
              brokers: [b:9092]
            models:
              - name: m
                dimension: 4
            store:
              path: \(directory.appendingPathComponent("state.sqlite").path)
            alerting:
              rules_file: rules.yaml
            http:
              max_body_bytes: 4096
            \(token ? "  token_file: token" : "")
            """
        }

        static func rules(extra: Bool) -> String {
            """
            rules:
              - name: RejectedEvents
                signal: ingest.rejected_rate
                condition: {above: 0.01}
                severity: ticket
            \(extra ? "  - name: Lag\n    signal: ingest.lag\n    condition: {above: 1000}\n    severity: ticket\n" : "")
            """
        }
    }

    private static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    private static func errorCode(_ response: TestResponse) throws -> String? {
        ((try json(response))["error"] as? [String: Any])?["code"] as? String
    }

    private static func auth(_ token: String = token) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }

    @Test("GET endpoints: healthz, metrics, readyz with its checks, status, models, baselines, alerts, thresholds")
    func readEndpoints() async throws {
        let f = try await Fixture()
        let baseline = try await f.api.store.insert(NewBaseline(model: "m", createdBy: "test", source: "test",
                                                                rows: try Matrix(rows: 2, cols: 4, values: [1, 2, 3, 4, 5, 6, 7, 8])), status: .active)
        let app = Application(router: HTTPServer.router(api: f.api))
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                #expect(String(buffer: response.body).contains("twinwatch_events_rejected_total"))
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let checks = try #require((try Self.json(response))["checks"] as? [String: Any])
                #expect((checks["consumer"] as? [String: Any])?["ok"] as? Bool == false)
                #expect((checks["store"] as? [String: Any])?["ok"] as? Bool == true)
                #expect(((checks["models"] as? [String: Any])?["m"] as? [String: Any])?["status"] as? String == "standby")
            }
            // A member the group gave no partitions is a ready standby.
            await f.api.state.partitionsAssigned([])
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                let checks = try #require((try Self.json(response))["checks"] as? [String: Any])
                #expect((checks["consumer"] as? [String: Any])?["standby"] as? Bool == true)
            }
            await f.api.state.partitionsAssigned([.init(topic: "t", partition: 0)])
            await f.api.state.noteCalibration(model: "m", .calibrating)
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
            await f.api.state.noteCalibration(model: "m", .calibrated(baselineID: baseline.id, windowSize: 100))
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                let body = try Self.json(response)
                #expect(body["ready"] as? Bool == true)
            }
            try await client.execute(uri: "/api/v1/status", method: .get) { response in
                let status = try Self.json(response)
                #expect(status["version"] as? String == "test")
                #expect((status["consumer"] as? [String: Any])?["assigned_partitions"] as? Int == 1)
                #expect((status["reload"] as? [String: Any])?["config_file"] as? String == f.configPath)
                #expect((status["alerts"] as? [String: Int])?["firing"] == 0)
            }
            try await client.execute(uri: "/api/v1/models", method: .get) { response in
                let models = try #require((try Self.json(response))["models"] as? [[String: Any]])
                #expect(models.count == 1 && models[0]["name"] as? String == "m" && models[0]["dimension"] as? Int == 4)
                #expect((models[0]["active_baseline"] as? [String: Any])?["id"] as? Int64 == baseline.id)
                #expect((models[0]["calibration"] as? [String: Any])?["status"] as? String == "calibrated")
            }
            try await client.execute(uri: "/api/v1/baselines?model=m", method: .get) { response in
                let list = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]])
                #expect(list.count == 1 && list[0]["status"] as? String == "active" && list[0]["created_at"] != nil)
            }
            try await client.execute(uri: "/api/v1/alerts", method: .get) { response in
                let body = try Self.json(response)
                #expect(body["alerts"] as? [Any] != nil)
            }
            try await client.execute(uri: "/api/v1/thresholds", method: .get) { response in
                let body = try Self.json(response)
                #expect(body["default_threshold"] as? Double == 0.5)
            }
        }
    }

    @Test("mutating endpoints: 401 without or with a wrong token (JSON error, WWW-Authenticate), 403 when no token is configured")
    func authentication() async throws {
        let f = try await Fixture()
        try await Application(router: HTTPServer.router(api: f.api)).test(.router) { client in
            try await client.execute(uri: "/api/v1/reload", method: .post) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                let error = try #require((try Self.json(response))["error"] as? [String: Any])
                #expect(error["code"] as? String == "unauthorized" && error["status"] as? Int == 401 && error["message"] is String)
            }
            try await client.execute(uri: "/api/v1/reload", method: .post, headers: Self.auth("0123456789abcdef-tokem")) { response in
                #expect(response.status == .unauthorized)
                #expect(!String(buffer: response.body).contains(Self.token))
            }
            try await client.execute(uri: "/api/v1/reload", method: .post, headers: [.authorization: "Basic \(Self.token)"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/api/v1/reload", method: .post, headers: Self.auth()) { #expect($0.status == .ok) }
            // Reading needs no token.
            try await client.execute(uri: "/api/v1/status", method: .get) { #expect($0.status == .ok) }
        }
        let open = try await Fixture(token: nil)
        try await Application(router: HTTPServer.router(api: open.api)).test(.router) { client in
            try await client.execute(uri: "/api/v1/reload", method: .post, headers: Self.auth()) { response in
                #expect(response.status == .forbidden)
                let code = try Self.errorCode(response)
                #expect(code == "disabled")
            }
        }
    }

    @Test("POST /api/v1/thresholds/{model}/{cohort}: in force, versioned, stored, published; bad bodies and oversize refused")
    func manualThreshold() async throws {
        let f = try await Fixture()
        try await Application(router: HTTPServer.router(api: f.api)).test(.router) { client in
            let uri = "/api/v1/thresholds/m/eu"
            try await client.execute(uri: uri, method: .post, headers: Self.auth(), body: ByteBuffer(string: #"{"threshold": 0.61, "reason": "incident 42"}"#)) { response in
                #expect(response.status == .ok)
                let body = try Self.json(response)
                #expect(body["version"] as? Int == 1 && body["previous"] as? Double == 0.5 && body["method"] as? String == "manual")
            }
            #expect(await f.api.state.setThreshold(0.62, model: "m", cohort: "eu", atMs: 0).previous.threshold == 0.61)
            let stored = try await f.api.store.thresholdsInForce()
            #expect(stored.map(\.threshold) == [0.61] && stored.first?.reason == "incident 42")
            let published = try #require(FileManager.default.contents(atPath: f.publishFile))
            #expect(String(decoding: published, as: UTF8.self).contains("0.61"))

            let big = ByteBuffer(string: #"{"threshold": 0.6, "reason": ""# + String(repeating: "x", count: 5000) + #""}"#)
            try await client.execute(uri: uri, method: .post, headers: Self.auth(), body: big) { response in
                #expect(response.status == .contentTooLarge)
                let error = try Self.errorCode(response)
                #expect(error == "body_too_large")
            }
            for (body, code) in [("not json", "invalid_json"), (#"{"threshold": 1.5}"#, "invalid_threshold"), (#"{"threshold": "x"}"#, "invalid_threshold")] {
                try await client.execute(uri: uri, method: .post, headers: Self.auth(), body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest)
                    let got = try Self.errorCode(response)
                    #expect(got == code)
                }
            }
            try await client.execute(uri: "/api/v1/thresholds/other/eu", method: .post, headers: Self.auth(), body: ByteBuffer(string: #"{"threshold": 0.6}"#)) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/thresholds/m/all", method: .post, headers: Self.auth(), body: ByteBuffer(string: #"{"threshold": 0.6}"#)) {
                #expect($0.status == .badRequest)
            }
        }
    }

    @Test("POST /api/v1/baselines/{id}/promote: the candidate becomes active, the old one retired; unknown id 404, retired 409")
    func promote() async throws {
        let f = try await Fixture()
        let rows = try Matrix(rows: 2, cols: 4, values: [1, 2, 3, 4, 5, 6, 7, 8])
        let first = try await f.api.store.insert(NewBaseline(model: "m", createdBy: "t", source: "t", rows: rows), status: .active)
        let second = try await f.api.store.insert(NewBaseline(model: "m", createdBy: "t", source: "t", rows: rows), status: .candidate)
        try await Application(router: HTTPServer.router(api: f.api)).test(.router) { client in
            try await client.execute(uri: "/api/v1/baselines/\(second.id)/promote", method: .post, headers: Self.auth()) { response in
                #expect(response.status == .ok)
                let body = try Self.json(response)
                #expect((body["promoted"] as? [String: Any])?["id"] as? Int64 == second.id)
                #expect((body["replaced"] as? [String: Any])?["id"] as? Int64 == first.id)
            }
            let active = try await f.api.store.activeBaselines()
            #expect(active["m"] == second.id)
            try await client.execute(uri: "/api/v1/baselines/999/promote", method: .post, headers: Self.auth()) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/baselines/\(first.id)/promote", method: .post, headers: Self.auth()) { #expect($0.status == .conflict) }
            try await client.execute(uri: "/api/v1/baselines/x/promote", method: .post, headers: Self.auth()) { #expect($0.status == .badRequest) }
        }
    }

    @Test("POST /api/v1/reload: a new rule applies, a changed Kafka setting is named as needing a restart, an invalid file is refused with its line")
    func reload() async throws {
        let f = try await Fixture()
        try await Application(router: HTTPServer.router(api: f.api)).test(.router) { client in
            try Fixture.rules(extra: true).write(toFile: f.directory.appendingPathComponent("rules.yaml").path, atomically: true, encoding: .utf8)
            let changed = Fixture.config(directory: f.directory, token: true).replacingOccurrences(of: "b:9092", with: "c:9092")
            try changed.write(toFile: f.configPath, atomically: true, encoding: .utf8)
            try await client.execute(uri: "/api/v1/reload", method: .post, headers: Self.auth()) { response in
                #expect(response.status == .ok)
                let body = try Self.json(response)
                #expect((body["applied"] as? [String])?.contains("alerting.rules") == true)
                #expect(body["need_restart"] as? [String] == ["kafka"])
            }
            try (changed + "\nbogus: 1\n").write(toFile: f.configPath, atomically: true, encoding: .utf8)
            try await client.execute(uri: "/api/v1/reload", method: .post, headers: Self.auth()) { response in
                #expect(response.status == .unprocessableContent)
                let error = try #require((try Self.json(response))["error"] as? [String: Any])
                #expect(error["code"] as? String == "invalid_config")
                #expect((error["message"] as? String)?.contains("bogus: unknown key") == true)
            }
            let last = try #require(await f.api.reloader?.last)
            #expect(!last.ok)
        }
        // The new rule is in force: a lag sample above its limit makes an alert.
        await f.api.alerts.observe([SignalSample(signal: .consumerLag, labels: [:], value: 5000)], atMs: WallClock.nowMs())
        #expect(await f.api.alerts.alerts.contains { $0.rule == "Lag" })
    }

    @Test("GET /reports/{model}: HTML from the evaluation history (says so when there is none), JSON with ?format=json, bad bounds refused")
    func report() async throws {
        let f = try await Fixture()
        try await Application(router: HTTPServer.router(api: f.api)).test(.router) { client in
            try await client.execute(uri: "/reports/m", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(String(buffer: response.body).contains("No evaluation history in this period."))
            }
            let now = WallClock.nowMs()
            try await f.api.store.appendHistory((0..<50).map { i in
                HistoryRecord(model: "m", cohort: "all", kind: .drift, atMs: now - Int64(50 - i) * 10_000,
                              values: HistoryValues([.combinedP: i < 40 ? 0.5 : 0.0005, .score(.w1): 0.1, .pValue(.w1): 0.4]))
            })
            try await client.execute(uri: "/reports/m?from=1h", method: .get) { response in
                let html = String(buffer: response.body)
                #expect(response.status == .ok && html.contains("<svg") && !html.contains("No evaluation history in this period."))
                #expect(!html.contains("<script"))
            }
            try await client.execute(uri: "/reports/m?format=json", method: .get) { response in
                let body = try Self.json(response)
                #expect((body["drift"] as? [[String: Any]])?.first?["cohort"] as? String == "all")
            }
            try await client.execute(uri: "/reports/m?from=yesterday", method: .get) { #expect($0.status == .badRequest) }
        }
    }
}

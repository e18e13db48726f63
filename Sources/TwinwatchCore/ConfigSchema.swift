import Foundation

/// The configuration schema: which keys exist, their types, bounds and cross-field rules.
/// Documented key by key in `config/twinwatch.example.yaml`.
enum ConfigSchema {
    static func read(_ root: YAMLSection, _ r: YAMLReader) -> TwinwatchConfig? {
        r.rejectUnknownKeys(root, allowed: ["kafka", "models", "window", "evaluation", "baseline", "drift", "alerting", "verification", "http", "store", "checkpoint"])
        let kafka = readKafka(root, r)
        let models = readModels(root, r)
        let window = readWindow(root, r)
        var evaluation = EvaluationSettings()
        if let s = r.section(root, "evaluation") {
            r.rejectUnknownKeys(s, allowed: ["interval", "concurrency", "budget_factor", "budget_minimum"])
            evaluation.interval = r.duration(s, "interval") ?? evaluation.interval
            evaluation.concurrency = r.int(s, "concurrency", min: 1) ?? evaluation.concurrency
            evaluation.budget.factor = r.double(s, "budget_factor", above: 0) ?? evaluation.budget.factor
            evaluation.budget.minimum = r.duration(s, "budget_minimum", allowZero: true) ?? evaluation.budget.minimum
        }
        var baseline = BaselineSettings()
        if let s = r.section(root, "baseline") {
            r.rejectUnknownKeys(s, allowed: ["capture_rows", "auto_capture", "null_resamples"])
            baseline.captureRows = r.int(s, "capture_rows", min: 2) ?? baseline.captureRows
            baseline.autoCapture = r.bool(s, "auto_capture") ?? baseline.autoCapture
            baseline.nullResamples = r.int(s, "null_resamples", min: 1) ?? baseline.nullResamples
        }
        let drift = readDrift(root, r, resamples: baseline.nullResamples)
        // Only for a valid window and baseline: their sections would report a wrong type again.
        if r.issues.isEmpty { warnIfUncalibrated(root, r, window: window, baseline: baseline) }
        let alerting = AlertingSchema.read(root, r, resamples: baseline.nullResamples)
        guard let kafka else { return nil }
        var config = TwinwatchConfig(kafka: kafka, models: models, window: window, evaluation: evaluation,
                                     baseline: baseline, drift: drift, alerting: alerting)
        config.http = readHTTP(root, r)
        config.verification = VerificationSchema.read(root, r)
        config.store.path = StoreSettings.defaultPath(environment: ProcessInfo.processInfo.environment)
        if let s = r.section(root, "store") {
            r.rejectUnknownKeys(s, allowed: ["path", "history_retention", "profile_interval"])
            config.store.path = r.string(s, "path") ?? config.store.path
            config.store.historyRetention = r.duration(s, "history_retention", allowZero: true) ?? config.store.historyRetention
            config.store.profileInterval = r.duration(s, "profile_interval", allowZero: true) ?? config.store.profileInterval
        }
        if let s = r.section(root, "checkpoint") {
            r.rejectUnknownKeys(s, allowed: ["interval"])
            config.checkpoint.interval = r.duration(s, "interval") ?? config.checkpoint.interval
        }
        return config
    }

    private static func readKafka(_ root: YAMLSection, _ r: YAMLReader) -> KafkaSettings? {
        guard let s = r.section(root, "kafka", required: true) else { return nil }
        r.rejectUnknownKeys(s, allowed: ["brokers", "group_id", "events_topic", "feedback_topic", "dead_letter_topic", "max_event_bytes", "librdkafka"])
        let brokers = r.stringList(s, "brokers", required: true)
        var kafka = KafkaSettings(brokers: brokers ?? [])
        kafka.groupID = r.string(s, "group_id") ?? kafka.groupID
        kafka.eventsTopic = r.string(s, "events_topic") ?? kafka.eventsTopic
        kafka.feedbackTopic = r.string(s, "feedback_topic")
        kafka.deadLetterTopic = r.string(s, "dead_letter_topic") ?? kafka.deadLetterTopic
        kafka.maxEventBytes = r.int(s, "max_event_bytes", min: 64) ?? kafka.maxEventBytes
        if let passthrough = r.section(s, "librdkafka") {
            kafka.librdkafka = readSecretFiles(r.stringMap(passthrough), passthrough, r)
            for key in ["bootstrap.servers", "group.id", "enable.auto.commit", "enable.auto.offset.store"] where kafka.librdkafka[key] != nil {
                r.report(passthrough.line(of: key), passthrough.key(key), "is managed by twinwatch; use the kafka keys instead")
            }
        }
        return brokers == nil ? nil : kafka
    }

    /// `sasl.password_file: /run/secrets/x` becomes `sasl.password: <file content>`, so secrets
    /// never sit in the YAML (or in logs: only the path is ever printed).
    private static func readSecretFiles(_ properties: [String: String], _ s: YAMLSection, _ r: YAMLReader) -> [String: String] {
        var result = properties
        for (key, path) in properties where key.hasSuffix("_file") {
            let secret = String(key.dropLast("_file".count))
            guard KafkaSettings.secretProperties.contains(secret) else { continue }
            result[key] = nil
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                r.report(s.line(of: key), s.key(key), "cannot read secret file \(path)")
                continue
            }
            result[secret] = text.trimmingCharacters(in: .newlines)
        }
        return result
    }

    private static func readModels(_ root: YAMLSection, _ r: YAMLReader) -> [ModelSettings] {
        var models: [ModelSettings] = []
        var seen: Set<String> = []
        for s in r.sectionList(root, "models") {
            r.rejectUnknownKeys(s, allowed: ["name", "dimension"])
            guard let name = r.string(s, "name", required: true) else { continue }
            if !seen.insert(name).inserted {
                r.report(s.line(of: "name"), s.key("name"), "duplicate model \"\(name)\"")
            }
            models.append(ModelSettings(name: name, dimension: r.int(s, "dimension", min: 1)))
        }
        return models
    }

    private static func readWindow(_ root: YAMLSection, _ r: YAMLReader) -> WindowSettings {
        var window = WindowSettings()
        guard let s = r.section(root, "window") else { return window }
        r.rejectUnknownKeys(s, allowed: ["size", "min_rows", "step", "duration", "max_cohorts"])
        window.size = r.int(s, "size", min: 2) ?? window.size
        window.minRows = r.int(s, "min_rows", min: 2) ?? window.size
        window.step = r.int(s, "step", min: 1) ?? window.step
        window.duration = r.duration(s, "duration")
        window.maxCohorts = r.int(s, "max_cohorts", min: 1) ?? window.maxCohorts
        if window.minRows > window.size {
            r.report(s.line(of: "min_rows"), s.key("min_rows"), "must not exceed window.size (\(window.size)), got \(window.minRows)")
        }
        return window
    }

    /// Warns where a model's windows cannot be calibrated at `window.size` (DESIGN §5.7's minimum).
    private static func warnIfUncalibrated(_ root: YAMLSection, _ r: YAMLReader, window: WindowSettings, baseline: BaselineSettings) {
        let ratio = CalibrationLimits.minimumBaselineRatio
        let windowSection = r.section(root, "window")
        if window.size < CalibrationLimits.minimumWindow {
            r.warn(windowSection?.line(of: "size") ?? root.line, windowSection?.key("size") ?? "window.size",
                   "windows of \(window.size) rows are below the minimum of \(CalibrationLimits.minimumWindow) for a calibrated null: no window is scored for drift")
        }
        guard baseline.autoCapture, baseline.captureRows < ratio * window.size else { return }
        let section = r.section(root, "baseline")
        let largest = baseline.captureRows / ratio
        r.warn(section?.line(of: "capture_rows") ?? root.line, section?.key("capture_rows") ?? "baseline.capture_rows",
               "an auto-captured baseline of \(baseline.captureRows) rows calibrates windows of at most \(largest) rows "
               + "(\(ratio) × window rows needed, window.size is \(window.size)): windows are scored on their newest \(largest) rows only, "
               + "each cohort on fewer (its share of the capture / \(ratio)); capture ≥ \(ratio * window.size) rows per cohort")
    }

    private static func readDrift(_ root: YAMLSection, _ r: YAMLReader, resamples: Int) -> DriftSettings {
        var drift = DriftSettings()
        guard let s = r.section(root, "drift") else { return drift }
        r.rejectUnknownKeys(s, allowed: ["estimators", "estimator", "threshold", "level", "consecutive_windows"])
        drift.consecutiveWindows = r.int(s, "consecutive_windows", min: 1) ?? drift.consecutiveWindows
        for removed in ["estimator", "threshold"] where s.node(removed) != nil {
            r.report(s.line(of: removed), s.key(removed),
                     "no longer used (0.4.0): every window is judged by its calibrated p-value, never by a raw threshold; remove the key")
        }
        if s.node("level") != nil {
            r.report(s.line(of: "level"), s.key("level"),
                     "moved to the rule file in 0.5.0: the drift rules' condition {p_value_below: LEVEL} (rules/twinwatch-alerts.yaml); remove the key")
        }
        let known = DriftSettings.selectable.map(\.rawValue).joined(separator: ", ")
        if let names = r.stringList(s, "estimators") {
            var estimators: [DriftEstimatorKind] = []
            for name in names {
                guard let estimator = DriftEstimatorKind(rawValue: name), DriftSettings.selectable.contains(estimator) else {
                    r.report(s.line(of: "estimators"), s.key("estimators"), "unknown estimator \"\(name)\" (known: \(known))")
                    continue
                }
                if !estimators.contains(estimator) { estimators.append(estimator) }
            }
            drift.estimators = estimators
        }
        return drift
    }

    private static func readHTTP(_ root: YAMLSection, _ r: YAMLReader) -> HTTPSettings {
        var http = HTTPSettings()
        guard let s = r.section(root, "http") else { return http }
        r.rejectUnknownKeys(s, allowed: ["listen", "enabled", "token_file", "max_body_bytes"])
        if let listen = r.string(s, "listen") {
            let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (0...65535).contains(port) {
                http.host = String(parts[0])
                http.port = port
            } else {
                r.report(s.line(of: "listen"), s.key("listen"), "expected host:port, got \"\(listen)\"")
            }
        }
        http.enabled = r.bool(s, "enabled") ?? http.enabled
        http.token = r.secretFile(s, "token_file")
        if let token = http.token, token.count < HTTPSettings.minimumTokenLength {
            r.report(s.line(of: "token_file"), s.key("token_file"),
                     "the bearer token must be at least \(HTTPSettings.minimumTokenLength) characters (e.g. openssl rand -hex 32)")
        }
        http.maxBodyBytes = r.int(s, "max_body_bytes", min: 1024) ?? http.maxBodyBytes
        return http
    }
}

/// What a configuration reload (SIGHUP, `POST /api/v1/reload`) changes in a running daemon.
///
/// Reloaded at once, state kept: the alert rules (the rule file is read again) and alerting's
/// grouping, stale_after, external_url and runbook_base_url; `drift.consecutive_windows`; the
/// verification threshold for cohorts not yet seen, the interval method and everything of
/// `verification.adaptive` but where it publishes. Everything else is wired into running
/// components (Kafka clients, windows, the store, the HTTP listener, the receivers' senders, the
/// estimators' null calibrations) and needs a restart: a reload keeps its running value and names it.
public struct ReloadPlan: Sendable {
    /// The running configuration with the reloadable parts of the loaded one.
    public let config: TwinwatchConfig
    /// Reloadable keys whose value changed.
    public let applied: [String]
    /// Keys whose value changed but only take effect after a restart.
    public let needRestart: [String]

    public init(running: TwinwatchConfig, loaded: TwinwatchConfig) {
        var next = running
        var applied: [String] = []
        func take<T: Equatable>(_ key: String, _ path: WritableKeyPath<TwinwatchConfig, T>) {
            guard running[keyPath: path] != loaded[keyPath: path] else { return }
            next[keyPath: path] = loaded[keyPath: path]
            applied.append(key)
        }
        take("alerting.rules_file", \.alerting.rulesFile)
        take("alerting.rules", \.alerting.rules)
        take("alerting.grouping", \.alerting.grouping)
        take("alerting.stale_after", \.alerting.staleAfter)
        take("alerting.external_url", \.alerting.externalURL)
        take("alerting.runbook_base_url", \.alerting.runbookBaseURL)
        take("drift.consecutive_windows", \.drift.consecutiveWindows)
        take("verification.threshold", \.verification.threshold)
        take("verification.interval", \.verification.clopperPearson)
        var adaptive = loaded.verification.adaptive
        adaptive.publishTopic = running.verification.adaptive.publishTopic
        adaptive.publishFile = running.verification.adaptive.publishFile
        if adaptive != running.verification.adaptive {
            next.verification.adaptive = adaptive
            applied.append("verification.adaptive")
        }

        var restart: [String] = []
        func compare<T: Equatable>(_ key: String, _ path: KeyPath<TwinwatchConfig, T>) {
            if next[keyPath: path] != loaded[keyPath: path] { restart.append(key) }
        }
        compare("kafka", \.kafka)
        compare("models", \.models)
        compare("window", \.window)
        compare("evaluation", \.evaluation)
        compare("baseline", \.baseline)
        compare("drift.estimators", \.drift.estimators)
        compare("alerting.receivers", \.alerting.receivers)
        compare("alerting.delivery", \.alerting.delivery)
        compare("verification.score_range", \.verification.scoreRange)
        compare("verification.join", \.verification.joinCapacity)
        compare("verification.join", \.verification.joinTTL)
        compare("verification.window", \.verification.windowEvents)
        compare("verification.window", \.verification.windowMaxAge)
        compare("verification.adaptive.publish", \.verification.adaptive.publishTopic)
        compare("verification.adaptive.publish", \.verification.adaptive.publishFile)
        compare("http", \.http)
        compare("store", \.store)
        compare("checkpoint", \.checkpoint)
        config = next
        self.applied = applied
        var seen = Set<String>()
        needRestart = restart.filter { seen.insert($0).inserted }
    }
}

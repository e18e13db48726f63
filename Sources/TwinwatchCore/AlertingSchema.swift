import Foundation

/// The `alerting:` section of the configuration and the rule file it names.
enum AlertingSchema {
    /// `resamples`: B of the null calibrations; a p-value condition below 1/(B+1) could never hold.
    static func read(_ root: YAMLSection, _ r: YAMLReader, resamples: Int) -> AlertingSettings {
        var alerting = AlertingSettings()
        let minimumLevel = 1 / Double(resamples + 1)
        guard let s = r.section(root, "alerting") else {
            alerting.rules = loadRules(nil, r, at: root, minimumLevel: minimumLevel)
            return alerting
        }
        r.rejectUnknownKeys(s, allowed: ["rules_file", "runbook_base_url", "external_url", "group_by", "group_wait", "group_interval",
                                         "repeat_interval", "stale_after", "receivers", "delivery", "webhooks"])
        if s.node("webhooks") != nil {
            r.report(s.line(of: "webhooks"), s.key("webhooks"),
                     "replaced by alerting.receivers in 0.5.0: write each webhook as {name, type: webhook, url}")
        }
        alerting.rulesFile = r.string(s, "rules_file")
        alerting.runbookBaseURL = r.string(s, "runbook_base_url") ?? alerting.runbookBaseURL
        alerting.externalURL = r.string(s, "external_url") ?? alerting.externalURL
        alerting.grouping.groupBy = r.stringList(s, "group_by") ?? alerting.grouping.groupBy
        alerting.grouping.groupWait = r.duration(s, "group_wait", allowZero: true) ?? alerting.grouping.groupWait
        alerting.grouping.groupInterval = r.duration(s, "group_interval") ?? alerting.grouping.groupInterval
        alerting.grouping.repeatInterval = r.duration(s, "repeat_interval") ?? alerting.grouping.repeatInterval
        alerting.staleAfter = r.duration(s, "stale_after") ?? alerting.staleAfter
        if let d = r.section(s, "delivery") {
            r.rejectUnknownKeys(d, allowed: ["initial_backoff", "max_backoff", "retry_after_cap", "max_age"])
            alerting.delivery.initialBackoff = r.duration(d, "initial_backoff") ?? alerting.delivery.initialBackoff
            alerting.delivery.maxBackoff = r.duration(d, "max_backoff") ?? alerting.delivery.maxBackoff
            alerting.delivery.retryAfterCap = r.duration(d, "retry_after_cap") ?? alerting.delivery.retryAfterCap
            alerting.delivery.maxAge = r.duration(d, "max_age") ?? alerting.delivery.maxAge
            if alerting.delivery.maxBackoff < alerting.delivery.initialBackoff {
                r.report(d.line(of: "max_backoff"), d.key("max_backoff"), "must not be shorter than initial_backoff")
            }
        }
        alerting.receivers = readReceivers(s, r)
        alerting.rules = loadRules(alerting.rulesFile, r, at: s, minimumLevel: minimumLevel)
        return alerting
    }

    private static func readReceivers(_ s: YAMLSection, _ r: YAMLReader) -> [ReceiverSettings] {
        var receivers: [ReceiverSettings] = []
        var names: Set<String> = []
        for w in r.sectionList(s, "receivers") {
            r.rejectUnknownKeys(w, allowed: ["name", "type", "url", "secret_file", "match", "timeout"])
            let name = r.string(w, "name", required: true)
            if let name, !names.insert(name).inserted { r.report(w.line(of: "name"), w.key("name"), "duplicate receiver \"\(name)\"") }
            let typeName = r.string(w, "type", required: true)
            let kind = typeName.flatMap(ReceiverSettings.Kind.init(rawValue:))
            if let typeName, kind == nil {
                r.report(w.line(of: "type"), w.key("type"),
                         "unknown receiver type \"\(typeName)\" (known: \(ReceiverSettings.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            var url = r.string(w, "url", required: kind != nil && kind != .pagerduty)
            if kind == .pagerduty, url == nil { url = ReceiverSettings.pagerDutyEventsURL }
            if let u = url, !(u.hasPrefix("http://") || u.hasPrefix("https://")) {
                r.report(w.line(of: "url"), w.key("url"), "expected an http:// or https:// URL, got \"\(u)\"")
            }
            let secret = r.secretFile(w, "secret_file")
            if w.node("secret_file") == nil, kind == .pagerduty {
                r.report(w.line, w.key("secret_file"), "is required for pagerduty: a file holding the integration's routing key")
            }
            if let secret, secret.hasPrefix("whsec_"), Data(base64Encoded: Self.padded(String(secret.dropFirst(6)))) == nil {
                r.report(w.line(of: "secret_file"), w.key("secret_file"), "a whsec_ secret must be base64 after the prefix (Standard Webhooks)")
            }
            let match = r.section(w, "match").map { r.stringMap($0) } ?? [:]
            guard let name, let kind, let url else { continue }
            var receiver = ReceiverSettings(name: name, kind: kind, url: url, secret: secret, match: match)
            receiver.timeout = r.duration(w, "timeout") ?? receiver.timeout
            receivers.append(receiver)
        }
        return receivers
    }

    private static func padded(_ base64: String) -> String {
        base64 + String(repeating: "=", count: (4 - base64.count % 4) % 4)
    }

    /// The rules of `path` (relative to the configuration's directory); without a path the shipped
    /// default file beside the configuration, and no rules (a warning) when it is not there.
    private static func loadRules(_ path: String?, _ r: YAMLReader, at s: YAMLSection, minimumLevel: Double) -> [AlertRule] {
        let resolved = r.resolvedPath
        guard let path else {
            let fallback = resolved(AlertingSettings.defaultRulesFile)
            guard FileManager.default.fileExists(atPath: fallback) else {
                r.warn(s.line, s.key("rules_file"), "no rule file at \(fallback): no alert will fire; set alerting.rules_file")
                return []
            }
            return RuleFileLoader.load(path: fallback, into: r, minimumLevel: minimumLevel)
        }
        let file = resolved(path)
        guard FileManager.default.fileExists(atPath: file) else {
            r.report(s.line(of: "rules_file"), s.key("rules_file"), "cannot read rule file \(file)")
            return []
        }
        return RuleFileLoader.load(path: file, into: r, minimumLevel: minimumLevel)
    }
}

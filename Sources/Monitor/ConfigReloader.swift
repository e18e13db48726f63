import Alerting
import Foundation
import Logging
import Systemd
import TwinwatchCore

/// Reloads the configuration file (SIGHUP, `POST /api/v1/reload`) into the running daemon without
/// losing state: windows, alerts, labelled windows and thresholds stay. What reloads and what
/// needs a restart: `ReloadPlan`. An invalid file changes nothing and says why.
public actor ConfigReloader {
    /// What one reload did.
    public struct Outcome: Sendable {
        public let ok: Bool
        /// Reloadable keys that changed and are in force now.
        public let applied: [String]
        /// Keys that changed but keep their running value until a restart.
        public let needRestart: [String]
        /// Why the file was refused (every issue, with file, line and key).
        public let error: String?
        public let atMs: Int64
    }

    private let path: String
    private var running: TwinwatchConfig
    /// Command-line settings that win over the file (as at start).
    private let overrides: @Sendable (inout TwinwatchConfig) -> Void
    private let state: MonitorState
    private let alerts: AlertCoordinator
    private let notifier: SystemdNotifier
    private let logger: Logger
    public private(set) var last: Outcome?

    public init(path: String, running: TwinwatchConfig, overrides: @escaping @Sendable (inout TwinwatchConfig) -> Void = { _ in },
                state: MonitorState, alerts: AlertCoordinator, notifier: SystemdNotifier, logger: Logger) {
        self.path = path
        self.running = running
        self.overrides = overrides
        self.state = state
        self.alerts = alerts
        self.notifier = notifier
        self.logger = logger
    }

    public var configPath: String { path }

    /// Reads the file again and applies what can be applied; tells systemd it is reloading.
    @discardableResult
    public func reload() async -> Outcome {
        notifier.send("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds())\nSTATUS=reloading \(path)")
        let outcome = await apply()
        last = outcome
        let status = outcome.ok ? "reloaded \(path)" : "reload refused, running configuration kept: \(outcome.error?.split(separator: "\n").first ?? "")"
        notifier.send("READY=1\nSTATUS=\(status)")
        return outcome
    }

    private func apply() async -> Outcome {
        let now = WallClock.nowMs()
        var loaded: TwinwatchConfig
        do {
            let (config, warnings) = try ConfigLoader.loadWithWarnings(path: path)
            for w in warnings { logger.warning("configuration: \(w.description)") }
            loaded = config
        } catch {
            logger.error("configuration reload refused; the running configuration stays", metadata: ["file": "\(path)", "error": "\(error.description)"])
            return Outcome(ok: false, applied: [], needRestart: [], error: error.description, atMs: now)
        }
        overrides(&loaded)
        let plan = ReloadPlan(running: running, loaded: loaded)
        if plan.applied.contains(where: { $0.hasPrefix("alerting.") || $0 == "drift.consecutive_windows" }) {
            await alerts.reconfigure(plan.config.alerting, defaultConsecutiveWindows: plan.config.drift.consecutiveWindows, atMs: now)
        }
        if plan.applied.contains(where: { $0.hasPrefix("verification.") }) {
            await state.reconfigureVerification(plan.config.verification)
        }
        running = plan.config
        logger.info("configuration reloaded", metadata: ["file": "\(path)", "applied": "\(plan.applied.joined(separator: ","))"])
        if !plan.needRestart.isEmpty {
            logger.warning("changed settings take effect only after a restart; their running values stay",
                           metadata: ["keys": "\(plan.needRestart.joined(separator: ","))"])
        }
        return Outcome(ok: true, applied: plan.applied, needRestart: plan.needRestart, error: nil, atMs: now)
    }
}

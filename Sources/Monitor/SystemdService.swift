import Alerting
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Systemd
import UnixSignals

/// The daemon's side of `Type=notify`: `READY=1` once partitions are assigned and the active
/// baselines are loaded, `STATUS=` every few seconds (events/s, firing alerts), `WATCHDOG=1` at
/// half of `WatchdogSec` only while the pipeline makes progress, a configuration reload on SIGHUP
/// (`RELOADING=1` … `READY=1`), `STOPPING=1` when shutdown begins. Last in the service group, so
/// it is the first to hear of the shutdown.
public struct SystemdService: Service {
    private let notifier: SystemdNotifier
    private let watchdog: WatchdogSchedule?
    private let progress: PipelineProgress
    private let state: MonitorState
    private let alerts: AlertCoordinator
    private let reloader: ConfigReloader?
    private let statusInterval: Duration
    private let logger: Logger

    public init(notifier: SystemdNotifier, watchdog: WatchdogSchedule?, progress: PipelineProgress, state: MonitorState,
                alerts: AlertCoordinator, reloader: ConfigReloader?, statusInterval: Duration = .seconds(5), logger: Logger) {
        self.notifier = notifier
        self.watchdog = watchdog
        self.progress = progress
        self.state = state
        self.alerts = alerts
        self.reloader = reloader
        self.statusInterval = statusInterval
        self.logger = logger
    }

    public func run() async throws {
        let pinger = watchdog.map { WatchdogPinger(schedule: $0, notifier: notifier, progress: progress, logger: logger) }
        pinger?.start()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                if let reloader {
                    group.addTask {
                        for await _ in await UnixSignalsSequence(trapping: .sighup) {
                            logger.info("SIGHUP: reloading the configuration")
                            await reloader.reload()
                        }
                    }
                }
                if notifier.isEnabled { group.addTask { await reportStatus() } }
                // Runs until the shutdown even with nothing to do (not under systemd, no reloader):
                // a service that returns early ends the whole group.
                group.addTask { try? await gracefulShutdown() }
                await group.waitForAll()
            }
        }
        pinger?.stop()
        notifier.send("STOPPING=1\nSTATUS=stopping: final checkpoint, then exit")
    }

    private func reportStatus() async {
        var ready = false
        var lastAccepted = await state.accepted
        var lastStatus = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(200))
            let partitions = await state.assignedPartitionCount
            if !ready {
                // A member the group gave no partitions is a ready standby (it takes partitions over
                // when another instance leaves); systemd would restart one that never said READY.
                guard await state.joined, await state.baselinesLoaded else { continue }
                ready = true
                notifier.send("READY=1\nSTATUS=\(partitions > 0 ? "consuming \(partitions) partitions" : "standby: no partitions assigned")")
                logger.info("ready: assignment received, baselines loaded", metadata: ["partitions": "\(partitions)"])
            }
            let now = ContinuousClock.now
            guard now - lastStatus >= statusInterval else { continue }
            let accepted = await state.accepted
            let rate = Double(accepted - lastAccepted) / ((now - lastStatus) / .seconds(1))
            let firing = await alerts.alerts.filter(\.isFiring).count
            (lastAccepted, lastStatus) = (accepted, now)
            notifier.send("STATUS=\(Int(rate.rounded())) events/s, \(firing) alerts firing, \(partitions) partitions")
        }
    }
}

/// Sends `WATCHDOG=1` every half timeout from a thread of its own (an estimator holding every
/// core cannot delay it), but only while no pipeline stage has been busy with one unit of work
/// for longer than the timeout: a stuck evaluator stops the pings and systemd restarts the daemon.
final class WatchdogPinger: Sendable {
    private let schedule: WatchdogSchedule
    private let notifier: SystemdNotifier
    private let progress: PipelineProgress
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)

    init(schedule: WatchdogSchedule, notifier: SystemdNotifier, progress: PipelineProgress, logger: Logger) {
        self.schedule = schedule
        self.notifier = notifier
        self.progress = progress
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            var withheld = false
            while !stopped.load(ordering: .relaxed) {
                let stalled = progress.stalled(longerThan: schedule.timeout)
                if stalled.isEmpty {
                    notifier.send("WATCHDOG=1")
                    if withheld { logger.info("pipeline progressing again; watchdog pings resumed") }
                    withheld = false
                } else if !withheld {
                    withheld = true
                    let what = stalled.map { "\($0.stage.rawValue) busy for \($0.busyFor)" }.joined(separator: ", ")
                    logger.error("pipeline stalled (\(what)); watchdog pings withheld, systemd will restart the daemon")
                }
                Thread.sleep(forTimeInterval: schedule.interval / .seconds(1))
            }
        }
        thread.name = "twinwatch-watchdog"
        thread.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }
}

import Logging

/// Turns a fault that repeats every attempt into one error when it starts and one info when it
/// ends (an SRE reads one line per state change, not one per retry), and the wait before the next
/// attempt: doubled from `initial` up to `maximum` while the fault lasts.
struct FaultEpisode {
    let failing: String
    let recovered: String
    let initial: Duration
    let maximum: Duration
    private(set) var failures = 0
    private var delay: Duration

    init(failing: String, recovered: String, initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30)) {
        self.failing = failing
        self.recovered = recovered
        self.initial = initial
        self.maximum = maximum
        delay = initial
    }

    /// Records a failure and returns how long to wait before trying again; logs an error only on
    /// the first failure of an episode (later ones at debug, with their count).
    mutating func failed(_ error: any Error, logger: Logger, metadata: Logger.Metadata) -> Duration {
        failures += 1
        var metadata = metadata
        metadata["error"] = "\(error)"
        if failures == 1 {
            metadata["retry_every_max"] = "\(maximum)"
            logger.error("\(failing); retrying with backoff, logged again when it recovers", metadata: metadata)
        } else {
            metadata["failures"] = "\(failures)"
            logger.debug("\(failing) (still)", metadata: metadata)
        }
        let wait = delay
        delay = min(maximum, delay * 2)
        return wait
    }

    /// Ends an episode (if one was open) with one info line saying how many attempts failed.
    mutating func succeeded(logger: Logger, metadata: Logger.Metadata) {
        guard failures > 0 else { return }
        var metadata = metadata
        metadata["failed_attempts"] = "\(failures)"
        logger.info("\(recovered)", metadata: metadata)
        failures = 0
        delay = initial
    }
}

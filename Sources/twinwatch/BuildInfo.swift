import CBuildInfo
import TwinwatchCore

/// What `twinwatch --version` prints: the release and the git commit the binary was built from.
enum BuildInfo {
    /// `git rev-parse --short=12 HEAD` (with `-dirty` for local changes) as the Makefile passed it;
    /// "unknown" for a plain `swift build`.
    static let commit = String(cString: twinwatch_build_commit())

    static var versionLine: String { "\(TwinwatchVersion.current) (commit \(commit))" }
}

/// The release this source tree builds (README "Changelog"; `twinwatch --version`, `/api/v1/status`).
public enum TwinwatchVersion {
    public static let current = "0.8.2"
}

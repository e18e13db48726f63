import Foundation

/// A state database path in a fresh temporary directory (demo, benches and tests).
public enum TemporaryStore {
    public static func path(_ label: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("twinwatch-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("twinwatch.sqlite").path
    }
}

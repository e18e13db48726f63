import Foundation
import Yams

/// Turns a YAML document into a validated `TwinwatchConfig`, collecting every problem with its
/// file, line and key instead of stopping at the first.
public enum ConfigLoader {
    /// Loads and validates the file at `path`.
    public static func load(path: String) throws(ConfigError) -> TwinwatchConfig { try loadWithWarnings(path: path).config }

    /// Loads and validates the file at `path`; also returns the warnings (valid, doubtful settings).
    public static func loadWithWarnings(path: String) throws(ConfigError) -> (config: TwinwatchConfig, warnings: [ConfigIssue]) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(issues: [ConfigIssue(file: path, line: 0, key: "", message: "cannot read file")])
        }
        return try parseWithWarnings(yaml: text, file: path)
    }

    /// Validates YAML text; `file` names it in error messages.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> TwinwatchConfig {
        try parseWithWarnings(yaml: yaml, file: file).config
    }

    /// Validates YAML text and returns the warnings too.
    public static func parseWithWarnings(yaml: String, file: String) throws(ConfigError) -> (config: TwinwatchConfig, warnings: [ConfigIssue]) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(issues: [ConfigIssue(file: file, line: Self.line(of: error), key: "", message: "invalid YAML: \(Self.problem(of: error))")])
        }
        let reader = YAMLReader(file: file)
        guard let root, let mapping = root.mapping else {
            throw ConfigError(issues: [ConfigIssue(file: file, line: root?.mark?.line ?? 1, key: "", message: "expected a mapping at the top level")])
        }
        let config = ConfigSchema.read(YAMLSection(mapping: mapping, path: "", line: mapping.mark?.line ?? 1), reader)
        // The configuration's own issues first, then the rule file's, each in line order.
        let order = { (i: ConfigIssue) in (i.file == file ? 0 : 1, i.file, i.line, i.key) }
        if let config, reader.issues.isEmpty { return (config, reader.warnings.sorted { order($0) < order($1) }) }
        throw ConfigError(issues: reader.issues.sorted { order($0) < order($1) })
    }

    private static func line(of error: any Error) -> Int {
        switch error as? YamlError {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return 1
        }
    }

    private static func problem(of error: any Error) -> String {
        switch error as? YamlError {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        case .duplicatedKeysInMapping(let duplicates, _): return "duplicate keys \(duplicates.joined(separator: ", "))"
        default: return "\(error)"
        }
    }
}

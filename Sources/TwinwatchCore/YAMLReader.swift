import Foundation
import Yams

/// A mapping of the YAML tree together with its dotted path, for error messages.
struct YAMLSection {
    let mapping: Node.Mapping
    let path: String
    let line: Int

    func key(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    func node(_ name: String) -> Node? { mapping[Node(name)] }

    /// The line of `name`'s value, or of the mapping when the key is absent.
    func line(of name: String) -> Int { node(name)?.mark?.line ?? line }
}

/// Typed access to YAML values that records a located `ConfigIssue` for each bad value.
final class YAMLReader {
    let file: String
    private(set) var issues: [ConfigIssue] = []
    /// Valid but doubtful settings (`check-config` prints them; the daemon logs them).
    private(set) var warnings: [ConfigIssue] = []

    init(file: String) { self.file = file }

    func report(_ line: Int, _ key: String, _ message: String) {
        issues.append(ConfigIssue(file: file, line: line, key: key, message: message))
    }

    func warn(_ line: Int, _ key: String, _ message: String) {
        warnings.append(ConfigIssue(file: file, line: line, key: key, message: message))
    }

    /// Takes over the issues and warnings of a reader of another file (the rule file of a configuration).
    func absorb(_ other: YAMLReader) {
        issues += other.issues
        warnings += other.warnings
    }

    /// Reports keys of `section` that the schema does not know (typos must not pass silently).
    func rejectUnknownKeys(_ section: YAMLSection, allowed: Set<String>) {
        for (key, _) in section.mapping {
            let name = key.string ?? "\(key)"
            if !allowed.contains(name) {
                report(key.mark?.line ?? section.line, section.key(name), "unknown key")
            }
        }
    }

    /// A nested mapping. A section left empty (every key commented out) counts as absent.
    func section(_ parent: YAMLSection, _ name: String, required: Bool = false) -> YAMLSection? {
        guard let node = parent.node(name), node.null == nil else {
            if required { report(parent.line, parent.key(name), "is required") }
            return nil
        }
        guard let mapping = node.mapping else {
            report(node.mark?.line ?? parent.line, parent.key(name), "expected a mapping")
            return nil
        }
        return YAMLSection(mapping: mapping, path: parent.key(name), line: mapping.mark?.line ?? parent.line)
    }

    /// The mappings of a sequence of mappings, each with its `path[i]`.
    func sectionList(_ parent: YAMLSection, _ name: String) -> [YAMLSection] {
        guard let node = parent.node(name) else { return [] }
        guard let sequence = node.sequence else {
            report(node.mark?.line ?? parent.line, parent.key(name), "expected a list")
            return []
        }
        var result: [YAMLSection] = []
        for (index, item) in sequence.enumerated() {
            let path = "\(parent.key(name))[\(index)]"
            guard let mapping = item.mapping else {
                report(item.mark?.line ?? parent.line, path, "expected a mapping")
                continue
            }
            result.append(YAMLSection(mapping: mapping, path: path, line: mapping.mark?.line ?? parent.line))
        }
        return result
    }

    func string(_ section: YAMLSection, _ name: String, required: Bool = false) -> String? {
        guard let node = value(section, name, required: required) else { return nil }
        guard let scalar = node.scalar, !scalar.string.isEmpty else {
            report(line(node, section), section.key(name), "must be a non-empty string")
            return nil
        }
        return scalar.string
    }

    /// `path` relative to the configuration file's directory (absolute paths unchanged).
    func resolvedPath(_ path: String) -> String {
        let directory = (file as NSString).deletingLastPathComponent
        return path.hasPrefix("/") || directory.isEmpty ? path : "\(directory)/\(path)"
    }

    /// The content of the file named by `name` (relative to the configuration's directory) (a secret: webhook key, bearer token), trimmed;
    /// reported when it cannot be read or is empty. The content is never part of a message.
    func secretFile(_ section: YAMLSection, _ name: String) -> String? {
        guard let path = string(section, name).map(resolvedPath) else { return nil }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8),
              !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            report(section.line(of: name), section.key(name), "cannot read secret file \(path) (or it is empty)")
            return nil
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func int(_ section: YAMLSection, _ name: String, min: Int, required: Bool = false) -> Int? {
        guard let node = value(section, name, required: required) else { return nil }
        guard let value = node.scalar.flatMap({ Int($0.string) }) else {
            report(line(node, section), section.key(name), "expected an integer, got \(quoted(node))")
            return nil
        }
        guard value >= min else {
            report(line(node, section), section.key(name), "must be at least \(min), got \(value)")
            return nil
        }
        return value
    }

    func double(_ section: YAMLSection, _ name: String, above lowerBound: Double, required: Bool = false) -> Double? {
        guard let node = value(section, name, required: required) else { return nil }
        guard let value = node.scalar.flatMap({ Double($0.string) }), value.isFinite else {
            report(line(node, section), section.key(name), "expected a number, got \(quoted(node))")
            return nil
        }
        guard value > lowerBound else {
            report(line(node, section), section.key(name), "must be greater than \(lowerBound), got \(value)")
            return nil
        }
        return value
    }

    /// Any finite number.
    func number(_ section: YAMLSection, _ name: String) -> Double? {
        guard let node = value(section, name, required: false) else { return nil }
        guard let value = node.scalar.flatMap({ Double($0.string) }), value.isFinite else {
            report(line(node, section), section.key(name), "expected a number, got \(quoted(node))")
            return nil
        }
        return value
    }

    /// A list of exactly two finite numbers, `[low, high]`.
    func numberPair(_ section: YAMLSection, _ name: String) -> (Double, Double)? {
        guard let node = value(section, name, required: false) else { return nil }
        let values = node.sequence?.compactMap { $0.scalar.flatMap { Double($0.string) } }.filter(\.isFinite)
        guard let values, values.count == 2, node.sequence?.count == 2 else {
            report(line(node, section), section.key(name), "expected [low, high], got \(quoted(node))")
            return nil
        }
        return (values[0], values[1])
    }

    func bool(_ section: YAMLSection, _ name: String) -> Bool? {
        guard let node = value(section, name, required: false) else { return nil }
        guard let value = node.bool else {
            report(line(node, section), section.key(name), "expected true or false, got \(quoted(node))")
            return nil
        }
        return value
    }

    func duration(_ section: YAMLSection, _ name: String, allowZero: Bool = false) -> Duration? {
        guard let node = value(section, name, required: false) else { return nil }
        guard let text = node.scalar?.string, let value = DurationParser.parse(text), value > .zero || (allowZero && value == .zero) else {
            let kind = allowZero ? "a duration" : "a positive duration"
            report(line(node, section), section.key(name), "expected \(kind) like 500ms, 10s, 5m or 1h, got \(quoted(node))")
            return nil
        }
        return value
    }

    /// A list of strings, also accepted as one comma-separated string.
    func stringList(_ section: YAMLSection, _ name: String, required: Bool = false) -> [String]? {
        guard let node = value(section, name, required: required) else { return nil }
        let items: [String]?
        if let scalar = node.scalar {
            items = scalar.string.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        } else if let sequence = node.sequence {
            items = sequence.map { $0.scalar?.string ?? "" }
        } else {
            items = nil
        }
        guard let items else {
            report(line(node, section), section.key(name), "expected a list of strings")
            return nil
        }
        guard !items.isEmpty else {
            report(line(node, section), section.key(name), "must not be empty")
            return nil
        }
        if items.contains(where: \.isEmpty) {
            report(line(node, section), section.key(name), "must not contain empty entries")
            return nil
        }
        return items
    }

    /// A flat mapping of scalar values, e.g. librdkafka passthrough properties.
    func stringMap(_ inner: YAMLSection) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in inner.mapping {
            guard let k = key.string, let v = value.scalar?.string else {
                report(value.mark?.line ?? inner.line, inner.key(key.string ?? "?"), "expected a scalar value")
                continue
            }
            result[k] = v
        }
        return result
    }

    private func value(_ section: YAMLSection, _ name: String, required: Bool) -> Node? {
        guard let node = section.node(name), node.null == nil else {
            if required { report(section.line, section.key(name), "is required") }
            return nil
        }
        return node
    }

    private func line(_ node: Node, _ section: YAMLSection) -> Int { node.mark?.line ?? section.line }

    private func quoted(_ node: Node) -> String {
        if let s = node.scalar?.string { return "\"\(s)\"" }
        return node.mapping != nil ? "a mapping" : "a list"
    }
}

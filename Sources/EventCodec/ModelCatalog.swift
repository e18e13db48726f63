#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The configured models (`EventDecoder.dimensions`, `knownModels`) arranged for the per-message
/// checks.
///
/// Every event asks up to three questions about its model (dimension before the embedding is read,
/// known?, dimension again when validating); through `Dictionary` / `Set` each one hashes the name
/// with SipHash (hashing showed up at ~5 % of a binary event's decode). A deployment has a handful
/// of models, so a linear scan comparing names (small strings compare as two words) answers all
/// three for less than one hash; with many models it uses the hashed collections as before.
struct ModelCatalog: Sendable {
    private struct Entry: Sendable {
        let name: String
        let utf8: [UInt8]
        let dimension: Int?
        let known: Bool
    }

    /// Above this many names a scan costs more than hashing.
    private static let maxScanned = 8

    private let dimensions: [String: Int]
    private let knownModels: Set<String>?
    /// Every named model, or nil when there are too many to scan.
    private let entries: [Entry]?

    /// No configured models: any model, any dimension.
    static let empty = ModelCatalog(dimensions: [:], knownModels: nil)

    init(dimensions: [String: Int], knownModels: Set<String>?) {
        self.dimensions = dimensions
        self.knownModels = knownModels
        let names = Set(dimensions.keys).union(knownModels ?? [])
        entries = names.count > Self.maxScanned ? nil : names.sorted().map { name in
            Entry(name: name, utf8: Array(name.utf8), dimension: dimensions[name], known: knownModels?.contains(name) ?? true)
        }
    }

    /// The expected embedding dimension of `model`, if configured.
    func dimension(of model: String) -> Int? {
        guard let entries else { return dimensions[model] }
        for entry in entries where entry.name == model { return entry.dimension }
        return nil
    }

    /// Whether `model` may be accepted (always, when no list of known models is configured).
    func isKnown(_ model: String) -> Bool {
        guard let knownModels else { return true }
        guard let entries else { return knownModels.contains(model) }
        for entry in entries where entry.name == model { return entry.known }
        return false
    }

    /// The configured name spelled by `bytes`, so a message naming a configured model reuses its
    /// `String` instead of validating and building another one.
    func name(spelledBy bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let entries else { return nil }
        for entry in entries where entry.utf8.count == bytes.count {
            if bytes.isEmpty || entry.utf8.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) {
                return entry.name
            }
        }
        return nil
    }
}

/// Stable alert identity: FNV-1a 64 of the rule name and the sorted labels, as 16 hex digits.
/// Stable across processes and restarts (unlike `Hasher`), so it can key deduplication.
public enum Fingerprint {
    public static func of(rule: String, labels: [String: String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let text = ([rule] + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: "\u{1f}")
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

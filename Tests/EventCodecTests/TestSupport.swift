import Foundation

/// Seeded generator (SplitMix64) so every property test replays the same inputs.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Bytes of a file in Tests/EventCodecTests/Fixtures (copies of shared/golden/small).
enum Fixture {
    static func bytes(_ name: String) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw FixtureError(name: name)
        }
        return [UInt8](try Data(contentsOf: url))
    }

    /// Rows of a `.f32bin` file (`EMB1`, version, n, d, then n·d little-endian float32).
    static func f32bin(_ name: String) throws -> (n: Int, d: Int, values: [Float]) {
        let b = try bytes(name)
        func u32(_ at: Int) -> Int { Int(UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24) }
        guard b.count >= 16, b[0..<4].elementsEqual("EMB1".utf8), u32(4) == 1 else { throw FixtureError(name: name) }
        let n = u32(8), d = u32(12)
        guard b.count == 16 + 4 * n * d else { throw FixtureError(name: name) }
        let values = (0..<(n * d)).map { Float(bitPattern: UInt32(u32(16 + 4 * $0))) }
        return (n, d, values)
    }
}

struct FixtureError: Error {
    let name: String
}

extension Int64 {
    /// Floor division (toward −∞), for calendar arithmetic before 1970.
    func quotientAndRemainderFlooring(by d: Int64) -> (q: Int64, r: Int64) {
        let (q, r) = quotientAndRemainder(dividingBy: d)
        return r < 0 ? (q - 1, r + d) : (q, r)
    }
}

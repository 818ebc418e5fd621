import Foundation

/// The index of the largest of `count` values (the first, on ties).
@inline(__always)
public func argmax(_ values: UnsafePointer<Float>, count: Int) -> Int {
    var best = 0
    for j in 1..<max(count, 1) where values[j] > values[best] { best = j }
    return best
}

/// The package's own seeded generator (xoshiro256**, seeded through SplitMix64), so that
/// initialisation, masking and sampling give the same numbers on every platform.
/// Its state is four words that checkpoints save and restore.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
    public var state: [UInt64]

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = [splitMix(), splitMix(), splitMix(), splitMix()]
    }

    public init(state: [UInt64]) {
        precondition(state.count == 4)
        self.state = state
    }

    /// The state as checkpoints store it: four words, comma-separated.
    public var stateText: String { state.map(String.init).joined(separator: ",") }

    /// A generator from `stateText`; nil unless it is exactly four words.
    public init?(stateText: String) {
        let words = stateText.split(separator: ",", omittingEmptySubsequences: false).map { UInt64($0) }
        guard words.count == 4, words.allSatisfy({ $0 != nil }) else { return nil }
        self.init(state: words.map { $0! })
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = Self.rotl(state[3], 45)
        return result
    }

    /// Uniform in [0, 1) with 24 bits of precision.
    public mutating func nextFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform integer in 0..<n (n > 0), without modulo bias worth noticing for small n.
    public mutating func nextInt(_ n: Int) -> Int {
        precondition(n > 0)
        return Int((next() >> 11) % UInt64(n))
    }

    /// Standard normal by the Box–Muller transform.
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0), 1e-300)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

}

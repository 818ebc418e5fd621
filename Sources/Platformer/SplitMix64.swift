/// The platformer's own seeded generator (SplitMix64). The engine knows nothing of Genie,
/// so it does not borrow the tensor library's generator; and it never uses Swift's
/// `random(in:using:)`, whose algorithm may change between toolchains, so a seed gives the
/// same level everywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.finalize(state)
    }

    /// The SplitMix64 output function: a good 64-bit mixer on its own.
    @inline(__always)
    public static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A seed derived from two numbers only (e.g. dataset seed and episode index), so that
    /// work can be split across threads and still give the same result.
    public static func derive(_ a: UInt64, _ b: UInt64) -> UInt64 {
        finalize(finalize(a &+ 0x9E37_79B9_7F4A_7C15) ^ (b &* 0xD1B5_4A32_D192_ED03))
    }

    /// Uniform integer in 0..<n (n > 0).
    public mutating func int(_ n: Int) -> Int {
        precondition(n > 0)
        return Int((next() >> 11) % UInt64(n))
    }

    /// Uniform integer in a closed range.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) < p
    }
}

/// A visual theme: a tile set, a sky and background scenery (assets/tiles/<name>/).
/// Chosen from the world seed, so one seed always looks the same.
public enum Theme: String, CaseIterable, Sendable, Equatable, Codable {
    case grassland, desert, night, cave

    public var name: String { rawValue }

    /// Cave levels have a rock ceiling along the top row.
    public var hasCeiling: Bool { self == .cave }

    /// The theme a seed gets when none is forced.
    public static func forSeed(_ seed: UInt64) -> Theme {
        allCases[Int(SplitMix64.derive(seed, 0x7E11E) % UInt64(allCases.count))]
    }

    /// Position in `allCases`, used to index per-theme art.
    var index: Int { Theme.allCases.firstIndex(of: self)! }
}

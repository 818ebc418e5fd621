/// One 8x8 cell of a level.
public enum Tile: UInt8, Sendable, Equatable {
    case empty, groundTop, ground, brick, platform, coin, rock

    /// Solid tiles block movement from every side; coins are picked up by touching them.
    public var isSolid: Bool {
        switch self {
        case .empty, .coin: return false
        default: return true
        }
    }
}

/// A piece of background scenery, positioned in parallax space (it scrolls slower than
/// the level).
public struct Scenery: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case far, deco }
    public let kind: Kind
    public let x: Int
    public let y: Int
}

/// A generated level: a grid of tiles (row 0 at the top), where the player starts,
/// checkpoints to respawn at, the goal, and scenery.
public struct Level: Sendable, Equatable {
    public let columns: Int
    public let rows: Int
    public let theme: Theme
    /// `rows * columns` tiles, row-major. Mutable only because coins get picked up.
    public internal(set) var tiles: [Tile]
    /// Columns with flat ground and free space above, in increasing order; the first is the start.
    public let checkpoints: [Int]
    /// The column of the goal flag.
    public let goalColumn: Int
    public let scenery: [Scenery]

    /// Tile at (column, row). Outside the level: the sides are walls, above and below is air
    /// (so the player can jump off the top of the screen and fall out of the bottom).
    @inline(__always)
    public subscript(column: Int, row: Int) -> Tile {
        get {
            if column < 0 || column >= columns { return .brick }
            if row < 0 || row >= rows { return .empty }
            return tiles[row * columns + column]
        }
        set {
            tiles[row * columns + column] = newValue
        }
    }

    /// The row of the top solid tile that has air above it in `column` (ignoring the
    /// ceiling), or nil over a gap.
    public func surfaceRow(_ column: Int) -> Int? {
        for row in 1..<rows where self[column, row].isSolid && !self[column, row - 1].isSolid {
            return row
        }
        return nil
    }
}

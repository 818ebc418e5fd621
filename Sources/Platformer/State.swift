/// The player's body: position of the hitbox's top-left corner and velocity, in sub-pixels.
public struct Player: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var vx = 0
    public var vy = 0
    public var onGround = true
    public var facingLeft = false
    /// Distance walked, for the run animation.
    public var runDistance = 0
    /// Frames left in which enemies cannot hurt the player (after a respawn).
    public var grace = 0

    /// Hitbox position in whole pixels.
    public var pixelX: Int { Physics.floorDiv(x, Physics.subpixels) }
    public var pixelY: Int { Physics.floorDiv(y, Physics.subpixels) }
}

/// A walking enemy (8x8), position of its sprite's top-left corner in sub-pixels.
public struct Enemy: Sendable, Equatable {
    public var x: Int
    public var y: Int
    /// -1 walking left, +1 walking right.
    public var direction: Int
    /// 0 while alive; counts down while the flattened body is shown after a stomp.
    public var squashed = 0
    public var walkDistance = 0

    public init(x: Int, y: Int, direction: Int) {
        self.x = x; self.y = y; self.direction = direction
    }
}

/// What happened in the last step, for tests, HUDs and policies.
public enum PlatformerEvent: Sendable, Equatable, Hashable {
    case none, coin, stomp, hurt, fell, goal
}

/// Everything that changes while playing. A value type: copying it and stepping the copy
/// is how action equivalence classes are found.
public struct PlatformerState: Sendable, Equatable {
    /// The seed the world was reset with; levels after the first derive from it.
    public let seed: UInt64
    public let theme: Theme
    public internal(set) var levelIndex = 0
    public internal(set) var level: Level
    public internal(set) var player: Player
    public internal(set) var enemies: [Enemy]
    /// The checkpoint column the player respawns at.
    public internal(set) var checkpoint: Int
    /// Frames since reset; drives the coin and enemy animations.
    public internal(set) var tick = 0
    public internal(set) var coins = 0
    public internal(set) var deaths = 0
    public internal(set) var lastEvent = PlatformerEvent.none
}

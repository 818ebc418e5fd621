import GenieMedia

/// The built-in simulator as a `World`: what `genie play --world sim` plays, and what the
/// dataset generator records. Identity is the seed and theme, so a trace replays only on
/// the same level.
public final class PlatformerWorld: World {
    public let game: PlatformerGame
    /// The current state; copy it to look ahead without touching the world.
    public private(set) var state: PlatformerState
    /// A theme forced at construction, or nil to take the seed's theme.
    public let forcedTheme: Theme?

    public let kind = "sim"
    public var identity: [String: String] { ["seed": String(state.seed), "theme": state.theme.name] }
    public var frameWidth: Int { game.width }
    public var frameHeight: Int { game.height }
    public var actionCount: Int { PlatformerAction.count }

    /// Loads the assets (see `PlatformerAssets.locate` for where it looks) and starts at `seed`.
    public convenience init(seed: UInt64 = 0, width: Int = 64, height: Int = 64,
                            theme: Theme? = nil, camera: PlatformerGame.Camera = .standard, assetsPath: String? = nil) throws {
        let assets = try PlatformerAssets.load(explicitPath: assetsPath)
        try self.init(game: PlatformerGame(assets: assets, width: width, height: height, camera: camera), seed: seed, theme: theme)
    }

    /// Starts a world on an existing engine (shares the loaded art).
    public init(game: PlatformerGame, seed: UInt64 = 0, theme: Theme? = nil) {
        self.game = game
        self.forcedTheme = theme
        self.state = game.newState(seed: seed, theme: theme)
    }

    public func actionName(_ index: Int) -> String {
        PlatformerAction.names.indices.contains(index) ? PlatformerAction.names[index] : "?"
    }

    public func action(forControl control: String) -> Int? { PlatformerAction.names.firstIndex(of: control) }

    /// The frame of the current state.
    public var currentFrame: Frame { game.render(state) }

    public func reset(seed: UInt64) throws -> Frame {
        state = game.newState(seed: seed, theme: forcedTheme)
        return currentFrame
    }

    public func step(_ action: Int) throws -> Frame {
        guard PlatformerAction.names.indices.contains(action) else { throw PlatformerError.badAction(action) }
        game.step(&state, action: action)
        return currentFrame
    }

    /// The equivalence class of every action in the current state (see `actionClasses(of:)`).
    public func actionClasses() -> [Int] { game.actionClasses(of: state) }
}

extension PlatformerWorld: PlayerLocating {
    public var playerBox: PixelBox {
        // As the renderer draws it: the 8x10 sprite one pixel left of the 6-pixel hitbox.
        PixelBox(x: state.player.pixelX - 1 - game.cameraX(state), y: state.player.pixelY,
                 width: Physics.playerWidth + 2, height: Physics.playerHeight)
    }

    public var playerColors: Set<RGB> {
        var colors = Set<RGB>()
        for sprite in game.assets.playerLeft + game.assets.playerRight {
            for i in 0..<(sprite.width * sprite.height) where sprite.opaque[i] {
                colors.insert(RGB(sprite.pixels[3 * i], sprite.pixels[3 * i + 1], sprite.pixels[3 * i + 2]))
            }
        }
        return colors
    }
}

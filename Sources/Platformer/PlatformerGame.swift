import GenieMedia

/// The platformer engine: level generation, one step of the rules, rendering, and action
/// equivalence classes. Immutable and thread-safe; all changing data lives in
/// `PlatformerState`, so one game can run many episodes on many threads.
public struct PlatformerGame: Sendable {
    public let assets: PlatformerAssets
    public let width: Int
    public let height: Int
    public let levelColumns: Int
    public let camera: Camera
    /// Level height in tiles (the camera scrolls only horizontally).
    public var rows: Int { height / Physics.tilePixels }

    /// How the camera follows the player.
    public enum Camera: String, Sendable, CaseIterable {
        /// Centred on the player but kept inside the level: near a level's ends the scene
        /// stands still and the player's sprite walks across it.
        case clamped
        /// Always centred on the player; beyond the level's ends stands a brick wall. A step
        /// left or right then always scrolls the scene, and the player stands where a
        /// learned world has seen it in nearly every frame (docs/training.md §4).
        case follow

        /// The camera of the shipped world's game (the v3 game, docs/training.md §1): every
        /// default that records or scores the platformer uses it.
        public static let standard = Camera.follow
    }

    public init(assets: PlatformerAssets, width: Int = 64, height: Int = 64,
                levelColumns: Int = LevelGenerator.defaultColumns, camera: Camera = .standard) throws {
        guard width >= 16, height >= 48, height % Physics.tilePixels == 0, width <= 4096, height <= 4096 else {
            throw PlatformerError.badFrameSize(width: width, height: height)
        }
        self.assets = assets
        self.width = width
        self.height = height
        self.levelColumns = max(levelColumns, width / Physics.tilePixels + 24)
        self.camera = camera
    }

    /// The first state of a world: level 0 of `seed`, in the seed's theme unless one is given.
    public func newState(seed: UInt64, theme: Theme? = nil) -> PlatformerState {
        let theme = theme ?? Theme.forSeed(seed)
        let (level, enemies) = LevelGenerator.generate(seed: SplitMix64.derive(seed, 0), theme: theme,
                                                       rows: rows, columns: levelColumns)
        var state = PlatformerState(seed: seed, theme: theme, level: level,
                                    player: Player(x: 0, y: 0), enemies: enemies,
                                    checkpoint: level.checkpoints[0])
        respawn(&state)
        return state
    }

    /// Puts the player on the ground at the current checkpoint, at rest, facing right.
    func respawn(_ s: inout PlatformerState) {
        let column = s.checkpoint
        let surface = s.level.surfaceRow(column) ?? (s.level.rows - 1)
        s.player = Player(x: column * Physics.tile + Physics.subpixels,
                          y: surface * Physics.tile - Physics.playerHeight * Physics.subpixels)
        s.player.grace = Physics.respawnGrace
    }

    /// Applies one action (an index into `PlatformerAction.names`; others act as noop).
    public func step(_ s: inout PlatformerState, action: Int) {
        let (direction, jump) = PlatformerAction.decode(action)
        s.tick += 1
        s.lastEvent = .none
        let previousBottom = s.player.y + Physics.playerHeight * Physics.subpixels
        Physics.movePlayer(&s.player, level: s.level, direction: direction, jump: jump)
        if s.player.grace > 0 { s.player.grace -= 1 }

        // Enemies walk; flattened ones count down and then disappear.
        let level = s.level
        s.enemies = s.enemies.compactMap { enemy in
            var e = enemy
            if e.squashed > 0 {
                e.squashed -= 1
                return e.squashed == 0 ? nil : e
            }
            Physics.moveEnemy(&e, level: level)
            return e
        }
        collectCoins(&s)
        touchEnemies(&s, previousBottom: previousBottom)

        // Checkpoints are reached by walking past them.
        let px = s.player.pixelX
        for cp in s.level.checkpoints where cp > s.checkpoint && px >= cp * Physics.tilePixels {
            s.checkpoint = cp
        }
        if s.player.pixelY >= s.level.rows * Physics.tilePixels {
            s.lastEvent = .fell
            s.deaths += 1
            respawn(&s)
        } else if px + Physics.playerWidth >= s.level.goalColumn * Physics.tilePixels + 3 {
            s.lastEvent = .goal
            nextLevel(&s)
        }
    }

    func collectCoins(_ s: inout PlatformerState) {
        let p = s.player
        let c0 = Physics.floorDiv(p.x, Physics.tile)
        let c1 = Physics.floorDiv(p.x + Physics.playerWidth * Physics.subpixels - 1, Physics.tile)
        let r0 = Physics.floorDiv(p.y, Physics.tile)
        let r1 = Physics.floorDiv(p.y + Physics.playerHeight * Physics.subpixels - 1, Physics.tile)
        for r in max(0, r0)...max(0, r1) where r < s.level.rows {
            for c in c0...c1 where s.level[c, r] == .coin {
                s.level[c, r] = .empty
                s.coins += 1
                s.lastEvent = .coin
            }
        }
    }

    /// Landing on an enemy from above flattens it and bounces; any other touch hurts.
    func touchEnemies(_ s: inout PlatformerState, previousBottom: Int) {
        let sp = Physics.subpixels
        let p = s.player
        let left = p.x, right = p.x + Physics.playerWidth * sp
        let top = p.y, bottom = p.y + Physics.playerHeight * sp
        for i in s.enemies.indices where s.enemies[i].squashed == 0 {
            let e = s.enemies[i]
            let eLeft = e.x + sp, eRight = e.x + 7 * sp, eTop = e.y + 2 * sp, eBottom = e.y + 8 * sp
            guard left < eRight && right > eLeft && top < eBottom && bottom > eTop else { continue }
            if p.vy > 0 && previousBottom <= eTop + 4 * sp {
                s.enemies[i].squashed = Physics.squashFrames
                s.player.vy = -Physics.stompBounce
                s.player.onGround = false
                s.lastEvent = .stomp
            } else if p.grace == 0 {
                s.lastEvent = .hurt
                s.deaths += 1
                respawn(&s)
                return
            }
        }
    }

    /// Generates the next level of the same world and starts the player there.
    func nextLevel(_ s: inout PlatformerState) {
        s.levelIndex += 1
        let (level, enemies) = LevelGenerator.generate(seed: SplitMix64.derive(s.seed, UInt64(s.levelIndex)),
                                                       theme: s.theme, rows: rows, columns: levelColumns)
        s.level = level
        s.enemies = enemies
        s.checkpoint = level.checkpoints[0]
        respawn(&s)
        s.player.grace = 0
    }

    /// Camera position (the frame's left edge in level pixels): the player centred, and
    /// with the `clamped` camera kept inside the level.
    public func cameraX(_ s: PlatformerState) -> Int {
        let center = s.player.pixelX + Physics.playerWidth / 2
        switch camera {
        case .clamped: return max(0, min(s.level.columns * Physics.tilePixels - width, center - width / 2))
        case .follow: return center - width / 2
        }
    }
}

/// Physics constants and the movement rules. Positions and speeds are integers in
/// sub-pixels (1/16 px), so a seed replays exactly on every machine; nothing here is random.
///
/// Derived figures (checked by tests): a jump rises 28 px (3.5 tiles) and lasts about 17
/// frames; running is 2 px per frame, at full speed from the first frame (a reversal too) and
/// stopped on the first frame without a key; a running jump spans about 4 tiles. Every speed stays below one tile per frame, so a single
/// check-and-snap per axis keeps the player out of solid tiles.
public enum Physics {
    public static let subpixels = 16
    public static let tilePixels = 8
    /// One tile in sub-pixels.
    public static let tile = tilePixels * subpixels

    public static let gravity = 14
    public static let jumpSpeed = 120
    public static let maxFallSpeed = 112
    // Horizontal control is immediate: the key pressed now sets this frame's horizontal
    // motion. With momentum (the first version accelerated by 1 px/frame² up to 2.5 px per
    // frame) an action only nudged a motion already under way, and a latent action model
    // trained on that video learned the motion, not the key. A whole number of pixels per
    // frame also keeps the motion free of hidden sub-pixel phase. The acceleration is twice
    // the run speed so that a reversal moves at once: at 2 px/frame² (the second version)
    // right then left stood still for a frame and only turned the sprite, and a latent
    // action model coded that frame as no action.
    public static let groundAcceleration = 64
    public static let airAcceleration = 64
    public static let maxRunSpeed = 32
    public static let groundFriction = 32
    public static let airFriction = 32
    public static let stompBounce = 80
    public static let enemySpeed = 8

    /// Player hitbox in pixels (the 8x10 sprite is drawn one pixel left of it).
    public static let playerWidth = 6
    public static let playerHeight = 10
    /// Frames after a respawn during which enemies cannot hurt the player.
    public static let respawnGrace = 20
    /// Frames a stomped enemy stays on screen, flattened.
    public static let squashFrames = 8

    /// Floor division (Swift's `/` rounds toward zero, wrong for the negative y above the screen).
    @inline(__always)
    static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// True if a box (sub-pixels, top-left x, y, size w, h) touches any solid tile.
    static func overlapsSolid(_ level: Level, x: Int, y: Int, w: Int, h: Int) -> Bool {
        let c0 = floorDiv(x, tile), c1 = floorDiv(x + w - 1, tile)
        let r0 = floorDiv(y, tile), r1 = floorDiv(y + h - 1, tile)
        for r in r0...r1 {
            for c in c0...c1 where level[c, r].isSolid { return true }
        }
        return false
    }

    /// Moves the player one frame: input, gravity, then x and y each checked against tiles.
    static func movePlayer(_ p: inout Player, level: Level, direction: Int, jump: Bool) {
        let w = playerWidth * subpixels, h = playerHeight * subpixels
        if direction != 0 {
            p.facingLeft = direction < 0
            p.vx += direction * (p.onGround ? groundAcceleration : airAcceleration)
            p.vx = max(-maxRunSpeed, min(maxRunSpeed, p.vx))
        } else {
            let friction = p.onGround ? groundFriction : airFriction
            p.vx = p.vx > 0 ? max(0, p.vx - friction) : min(0, p.vx + friction)
        }
        if jump && p.onGround { p.vy = -jumpSpeed }
        p.vy = min(maxFallSpeed, p.vy + gravity)

        // Horizontal: move, and on contact snap flush against the tile edge.
        let oldX = p.x
        let nx = p.x + p.vx
        if !overlapsSolid(level, x: nx, y: p.y, w: w, h: h) {
            p.x = nx
        } else {
            p.x = p.vx > 0 ? floorDiv(nx + w - 1, tile) * tile - w : (floorDiv(nx, tile) + 1) * tile
            p.vx = 0
        }
        p.runDistance += abs(p.x - oldX)

        // Vertical: same, landing on floors and bumping heads on ceilings.
        let ny = p.y + p.vy
        if !overlapsSolid(level, x: p.x, y: ny, w: w, h: h) {
            p.y = ny
        } else {
            p.y = p.vy > 0 ? floorDiv(ny + h - 1, tile) * tile - h : (floorDiv(ny, tile) + 1) * tile
            p.vy = 0
        }
        p.onGround = overlapsSolid(level, x: p.x, y: p.y + 1, w: w, h: h)
    }

    /// Walks an enemy one frame; it turns at walls and at the edge of its ground.
    static func moveEnemy(_ e: inout Enemy, level: Level) {
        let nx = e.x + e.direction * enemySpeed
        // The body (1 px in from each side) must stay clear of walls…
        let blocked = overlapsSolid(level, x: nx + subpixels, y: e.y, w: 6 * subpixels, h: tile)
        // …and the leading foot must have ground under it.
        let footX = e.direction > 0 ? nx + 7 * subpixels - 1 : nx + subpixels
        let groundAhead = level[floorDiv(footX, tile), floorDiv(e.y + tile, tile)].isSolid
        if blocked || !groundAhead { e.direction = -e.direction } else { e.x = nx }
        e.walkDistance += 1
    }
}

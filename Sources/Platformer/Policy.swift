/// Which scripted player drives the simulator when recording a dataset.
public enum PolicyKind: String, CaseIterable, Sendable {
    /// Uniformly random actions, each held for a random 1–10 frames (people hold keys).
    case random
    /// Runs right and jumps at walls, gaps and enemies, with some random detours, so that
    /// episodes travel through the level instead of dithering at the start.
    case explorer
    /// Random actions held for only 1–3 frames, from somewhere along the level (the explorer
    /// first plays a random 0–600 unrecorded frames). Short holds keep the past frames from
    /// telling the next action, so the latent action model and the dynamics model must read
    /// it from the action itself; the random start shows random play over scrolling scenery.
    case roamer
    /// What the others rarely show, from somewhere along the level: standing still for
    /// 8–40 frames at a time, single jumps that start from rest (and land while it stands
    /// again), and short walks, often into walls.
    case idler

    /// Frames the explorer plays, unrecorded, before an episode of this kind starts.
    func warmUpFrames(_ rng: inout SplitMix64) -> Int { self == .roamer || self == .idler ? rng.int(in: 0...600) : 0 }
}

/// A scripted player with its own seeded generator.
public struct Policy: Sendable {
    public let kind: PolicyKind
    var rng: SplitMix64
    var held = 0
    var holdLeft = 0

    public init(kind: PolicyKind, seed: UInt64) {
        self.kind = kind
        rng = SplitMix64(seed: seed)
    }

    /// The action to apply in `state`.
    public mutating func action(for state: PlatformerState) -> Int {
        switch kind {
        case .random: return randomAction(longestHold: 10)
        case .roamer: return randomAction(longestHold: 3)
        case .explorer: return explorerAction(state)
        case .idler: return idlerAction()
        }
    }

    mutating func idlerAction() -> Int {
        if holdLeft <= 0 {
            switch rng.int(10) {
            case 0..<5: (held, holdLeft) = (0, rng.int(in: 8...40))          // stand
            case 5, 6: (held, holdLeft) = (3, 1)                             // jump from rest
            case 7: (held, holdLeft) = (1, rng.int(in: 2...12))              // walk left
            case 8: (held, holdLeft) = (2, rng.int(in: 2...12))              // walk right
            default: (held, holdLeft) = (rng.chance(0.5) ? 4 : 5, 1)         // a jump sideways
            }
        }
        holdLeft -= 1
        return held
    }

    mutating func randomAction(longestHold: Int) -> Int {
        if holdLeft <= 0 {
            held = rng.int(PlatformerAction.count)
            holdLeft = rng.int(in: 1...longestHold)
        }
        holdLeft -= 1
        return held
    }

    mutating func explorerAction(_ s: PlatformerState) -> Int {
        // A detour in progress (random action held for a while) goes on first.
        if holdLeft > 0 {
            holdLeft -= 1
            return held
        }
        if rng.chance(0.06) {
            held = [0, 1, 1, 3, 4, 2][rng.int(6)]
            holdLeft = rng.int(in: 2...8)
            return held
        }
        let level = s.level, p = s.player
        let tp = Physics.tilePixels
        let feetRow = Physics.floorDiv(p.pixelY + Physics.playerHeight - 1, tp)
        let front = Physics.floorDiv(p.pixelX + Physics.playerWidth, tp)
        var danger = false
        for ahead in 0...2 {
            let c = front + ahead
            if level[c, feetRow].isSolid || level[c, feetRow - 1].isSolid { danger = true }  // wall
            if level.surfaceRow(c) == nil { danger = true }                                   // gap
        }
        for e in s.enemies where e.squashed == 0 {
            let dx = Physics.floorDiv(e.x, Physics.subpixels) - p.pixelX
            if dx > 0 && dx < 4 * tp { danger = true }
        }
        if danger || rng.chance(0.05) { return 5 }  // right+jump
        return 2                                    // right
    }
}

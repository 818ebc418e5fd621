import XCTest
@testable import Platformer

final class PhysicsTests: XCTestCase {
    let game = Fixture.game

    func testPlayerNeverInsideSolidTileOverThousandsOfRandomSteps() {
        for seed: UInt64 in [1, 2, 3, 4, 5, 6] {
            var state = game.newState(seed: seed)
            var policy = Policy(kind: seed % 2 == 0 ? .random : .explorer, seed: seed)
            XCTAssertFalse(state.playerInsideSolid)
            for t in 0..<2500 {
                game.step(&state, action: policy.action(for: state))
                if state.playerInsideSolid {
                    XCTFail("seed \(seed) step \(t): player at (\(state.player.x), \(state.player.y)) is inside a solid tile")
                    return
                }
            }
        }
    }

    func testGravityAcceleratesAFallingPlayer() {
        var state = game.newState(seed: 7)
        state.player.y = 0
        state.player.vy = 0
        state.player.onGround = false
        var drops: [Int] = []
        for _ in 0..<4 {
            let before = state.player.y
            game.step(&state, action: 0)
            drops.append(state.player.y - before)
        }
        XCTAssertEqual(drops, [14, 28, 42, 56], "gravity adds \(Physics.gravity) sub-pixels per frame per frame")
        XCTAssertFalse(state.player.onGround)
    }

    func testJumpHeightIsPositiveAndBoundedEvenWhenJumpIsHeld() {
        var state = game.newState(seed: 8)
        let groundY = state.player.y
        XCTAssertTrue(state.player.onGround)
        var highest = groundY, airborneFrames = 0
        // Holding jump for the whole first jump must not make it any higher.
        for _ in 0..<60 {
            game.step(&state, action: 3)
            highest = min(highest, state.player.y)
            if !state.player.onGround { airborneFrames += 1 } else if airborneFrames > 0 { break }
        }
        let heightPixels = Double(groundY - highest) / Double(Physics.subpixels)
        XCTAssertGreaterThan(heightPixels, 20, "a jump must clear a two-tile step")
        XCTAssertLessThanOrEqual(heightPixels, 30, "jump height is bounded")
        XCTAssertGreaterThanOrEqual(airborneFrames, 10, "a jump takes several frames")
        XCTAssertLessThanOrEqual(airborneFrames, 20)
        XCTAssertEqual(state.player.y, groundY, "lands back on the same ground")
    }

    /// Horizontal control is immediate: the key of a frame sets that frame's motion, 2 px,
    /// a reversal included, and a frame without a key stands still. Seed 9's start has open
    /// floor to both sides.
    func testHorizontalControlIsImmediateAReversalIncluded() {
        var state = game.newState(seed: 9)
        XCTAssertTrue(state.player.onGround)
        func step(_ action: Int) -> (dx: Int, vx: Int) {
            let x = state.player.x
            game.step(&state, action: action)
            return (state.player.x - x, state.player.vx)
        }
        let run = Physics.maxRunSpeed
        XCTAssertEqual(run, 2 * Physics.subpixels, "2 px a frame")
        for _ in 0..<4 { let s = step(2); XCTAssertEqual([s.dx, s.vx], [run, run], "right: full speed from the first frame") }
        let stop = step(0)
        XCTAssertEqual([stop.dx, stop.vx], [0, 0], "no key: still at once")
        let s = step(1)
        XCTAssertEqual([s.dx, s.vx], [-run, -run], "left from rest: full speed at once")
        XCTAssertTrue(state.player.facingLeft)
        let reversal = step(2)
        XCTAssertEqual([reversal.dx, reversal.vx], [run, run], "left then right: right at once, no still frame")
        XCTAssertFalse(state.player.facingLeft)
        let jumpLeft = step(4)
        XCTAssertEqual(jumpLeft.dx, -run, "a reversal in a jump moves at once too")
    }

    func testFallingIntoAGapRespawnsAtTheCheckpoint() throws {
        var state = game.newState(seed: 10)
        let level = state.level
        let gap = try XCTUnwrap((level.checkpoints[0]..<level.columns).first { level.surfaceRow($0) == nil }, "level has a gap")
        let start = state.player
        state.player.x = gap * Physics.tile + Physics.subpixels
        state.player.y = (level.rows - 2) * Physics.tile
        state.player.onGround = false
        state.player.grace = 0
        var fell = false
        for _ in 0..<30 {
            game.step(&state, action: 0)
            if state.lastEvent == .fell { fell = true; break }
        }
        XCTAssertTrue(fell, "a player over a gap falls out of the level")
        XCTAssertEqual(state.deaths, 1)
        // Back on the ground at the last checkpoint passed (the gap may lie past the second one).
        XCTAssertLessThanOrEqual(state.checkpoint, gap)
        XCTAssertEqual(state.player.x, state.checkpoint * Physics.tile + Physics.subpixels)
        if state.checkpoint == level.checkpoints[0] { XCTAssertEqual(state.player.y, start.y) }
        XCTAssertTrue(state.player.onGround || state.player.vy == 0)
        XCTAssertFalse(state.playerInsideSolid)
    }

    func testStompingAnEnemyFlattensItAndTouchingOneHurts() {
        var state = game.newState(seed: 11)
        let p = state.player
        state.player.grace = 0
        // An enemy right under a falling player is stomped.
        state.enemies = [Enemy(x: p.x - Physics.subpixels, y: p.y + 2 * Physics.subpixels, direction: 1)]
        state.player.y -= 12 * Physics.subpixels
        state.player.vy = 40
        state.player.onGround = false
        var stomped = false
        for _ in 0..<6 where !stomped {
            game.step(&state, action: 0)
            stomped = state.lastEvent == .stomp
        }
        XCTAssertTrue(stomped)
        XCTAssertLessThan(state.player.vy, 0, "the player bounces off")
        XCTAssertGreaterThan(state.enemies.first?.squashed ?? 0, 0)
        for _ in 0..<Physics.squashFrames { game.step(&state, action: 0) }
        XCTAssertTrue(state.enemies.isEmpty, "a flattened enemy disappears")

        // An enemy walking into a standing player hurts: back to the checkpoint.
        var state2 = game.newState(seed: 11)
        for _ in 0..<12 { game.step(&state2, action: 2) }  // leave the spawn point and its grace period
        for _ in 0..<Physics.respawnGrace { game.step(&state2, action: 0) }
        let q = state2.player
        XCTAssertEqual(q.vx, 0)
        XCTAssertEqual(q.grace, 0)
        state2.enemies = [Enemy(x: q.x + 5 * Physics.subpixels, y: q.y + 2 * Physics.subpixels, direction: -1)]
        for _ in 0..<4 where state2.lastEvent != .hurt { game.step(&state2, action: 0) }
        XCTAssertEqual(state2.lastEvent, .hurt)
        XCTAssertEqual(state2.deaths, 1)
    }

    func testCoinsArePickedUpAndTheGoalStartsTheNextLevel() {
        var state = game.newState(seed: 12)
        let column = Physics.floorDiv(state.player.x, Physics.tile)
        let row = Physics.floorDiv(state.player.y, Physics.tile)
        state.level[column, row] = .coin
        game.step(&state, action: 0)
        XCTAssertEqual(state.coins, 1)
        XCTAssertEqual(state.level[column, row], .empty)

        let firstLevel = state.level
        let goal = state.level.goalColumn
        let surface = state.level.surfaceRow(goal - 3)!
        state.player.x = (goal - 3) * Physics.tile
        state.player.y = surface * Physics.tile - Physics.playerHeight * Physics.subpixels
        var reached = false
        for _ in 0..<40 where !reached {
            game.step(&state, action: 2)
            reached = state.lastEvent == .goal
        }
        XCTAssertTrue(reached)
        XCTAssertEqual(state.levelIndex, 1)
        XCTAssertTrue(state.level.tiles != firstLevel.tiles, "a new level")
    }

    func testExplorerTravelsThroughLevels() {
        // The generator promises levels that one jump at a time can clear.
        var progress: [Int] = []
        for seed: UInt64 in [21, 22, 23, 24] {
            var state = game.newState(seed: seed)
            var policy = Policy(kind: .explorer, seed: seed)
            for _ in 0..<600 { game.step(&state, action: policy.action(for: state)) }
            progress.append(state.levelIndex * state.level.columns + state.player.pixelX / Physics.tilePixels)
        }
        XCTAssertGreaterThan(progress.reduce(0, +) / progress.count, 60, "explorer progress in tiles: \(progress)")
    }
}

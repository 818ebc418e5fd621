import XCTest
@testable import Platformer

final class ActionClassTests: XCTestCase {
    let game = Fixture.game

    func testOnTheGroundEveryActionLooksDifferent() {
        var state = game.newState(seed: 2)
        for _ in 0..<30 { game.step(&state, action: 0) }
        XCTAssertEqual(game.actionClasses(of: state), [0, 1, 2, 3, 4, 5])
    }

    func testInMidAirJumpIsTheSameClassAsNoop() {
        var state = game.newState(seed: 2)
        game.step(&state, action: 3)
        for _ in 0..<3 { game.step(&state, action: 0) }
        XCTAssertFalse(state.player.onGround)
        let classes = game.actionClasses(of: state)
        XCTAssertEqual(classes[3], 0, "jump in mid-air does nothing visible")
        XCTAssertEqual(classes[4], classes[1], "left+jump in mid-air is left")
        XCTAssertEqual(classes[5], classes[2], "right+jump in mid-air is right")
        XCTAssertNotEqual(classes[2], 0, "steering in the air is visible")
    }

    func testAgainstAWallTheBlockedDirectionIsNoop() {
        // The level's left edge is a wall: stand against it facing left.
        var state = game.newState(seed: 2)
        for _ in 0..<60 { game.step(&state, action: 1) }
        for _ in 0..<10 { game.step(&state, action: 0) }
        XCTAssertEqual(state.player.x, 0)
        XCTAssertTrue(state.player.facingLeft)
        let classes = game.actionClasses(of: state)
        XCTAssertEqual(classes[1], 0, "left into the wall changes nothing")
        XCTAssertEqual(classes[4], 3, "left+jump against the wall is jump")
        XCTAssertNotEqual(classes[2], 0)
    }

    func testClassesComeFromIdenticalNextFrames() {
        var state = game.newState(seed: 13)
        var policy = Policy(kind: .random, seed: 13)
        for _ in 0..<200 {
            let next = game.successors(of: state)
            let classes = PlatformerGame.classes(of: next.map(\.frame))
            for a in classes.indices {
                XCTAssertLessThanOrEqual(classes[a], a)
                XCTAssertEqual(next[classes[a]].frame, next[a].frame)
                for b in 0..<classes[a] { XCTAssertNotEqual(next[b].frame, next[a].frame) }
            }
            state = next[policy.action(for: state)].state
        }
    }
}

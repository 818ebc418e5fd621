import XCTest
import GenieMedia
@testable import Platformer

final class DeterminismAndRenderingTests: XCTestCase {
    let game = Fixture.game

    func testSameSeedGivesIdenticalStatesAndFrames() {
        var a = game.newState(seed: 42), b = game.newState(seed: 42)
        var policy = Policy(kind: .random, seed: 5)
        for _ in 0..<300 {
            let action = policy.action(for: a)
            game.step(&a, action: action)
            game.step(&b, action: action)
        }
        XCTAssertEqual(a, b)
        XCTAssertEqual(game.render(a), game.render(b))
    }

    func testDifferentSeedsGiveDifferentLevelsAndAllThemesAppear() {
        let levels = (0..<8).map { game.newState(seed: UInt64($0), theme: .grassland).level.tiles }
        XCTAssertEqual(Set(levels.map { $0.hashValue }).count, levels.count, "eight seeds, eight different levels")
        let themes = Set((0..<40).map { Theme.forSeed(UInt64($0)) })
        XCTAssertEqual(themes, Set(Theme.allCases))
    }

    func testRenderHasTheConfiguredSizeAndDrawsThePlayerSprite() throws {
        let frame = game.render(game.newState(seed: 3, theme: .night))
        XCTAssertEqual(frame.width, 64)
        XCTAssertEqual(frame.height, 64)

        let wide = try PlatformerGame(assets: Fixture.assets, width: 96, height: 48)
        let state = wide.newState(seed: 3)
        let wideFrame = wide.render(state)
        XCTAssertEqual(wideFrame.width, 96)
        XCTAssertEqual(wideFrame.height, 48)

        // Every opaque pixel of the idle player sprite is on screen where the player stands.
        let sprite = Fixture.assets.playerRight[0]
        XCTAssertGreaterThan(sprite.opaqueCount, 40)
        let x0 = state.player.pixelX - 1 - wide.cameraX(state), y0 = state.player.pixelY
        for y in 0..<sprite.height {
            for x in 0..<sprite.width where sprite.opaque[y * sprite.width + x] {
                let i = 3 * (y * sprite.width + x)
                XCTAssertEqual(wideFrame[x0 + x, y0 + y], RGB(sprite.pixels[i], sprite.pixels[i + 1], sprite.pixels[i + 2]))
            }
        }
        XCTAssertThrowsError(try PlatformerGame(assets: Fixture.assets, width: 64, height: 60))
    }

    func testThemesLookDifferentAndCameraScrollsWithThePlayer() {
        let frames = Theme.allCases.map { game.render(game.newState(seed: 1, theme: $0)) }
        XCTAssertEqual(Set(frames.map { $0.pixels }).count, Theme.allCases.count)

        var state = game.newState(seed: 4)
        let first = game.render(state)
        XCTAssertEqual(game.cameraX(state), 0)
        for _ in 0..<40 { game.step(&state, action: 2) }
        XCTAssertGreaterThan(game.cameraX(state), 0, "camera follows the player to the right")
        XCTAssertNotEqual(game.render(state), first)
        // The player stays near the middle of the screen once the camera scrolls.
        let screenX = state.player.pixelX - game.cameraX(state)
        XCTAssertTrue((24...36).contains(screenX), "player at screen x \(screenX)")
    }

    func testAssetsAreFoundAndMissingAssetsAreAClearError() {
        XCTAssertTrue(FileManager.default.fileExists(atPath: Fixture.assets.root + "/sprites/flag.png"))
        XCTAssertThrowsError(try PlatformerAssets.load(explicitPath: "/nonexistent/assets")) { error in
            guard case PlatformerError.assetsNotFound(let searched) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(searched, ["/nonexistent/assets"])
            XCTAssertTrue("\(error)".contains("GENIE_ASSETS"))
        }
    }

    func testWorldProtocol() throws {
        let world = PlatformerWorld(game: game, seed: 9)
        XCTAssertEqual(world.kind, "sim")
        XCTAssertEqual(world.actionCount, 6)
        XCTAssertEqual((0..<6).map(world.actionName), ["noop", "left", "right", "jump", "left+jump", "right+jump"])
        XCTAssertEqual(world.action(forControl: "right+jump"), 5)
        XCTAssertEqual(world.identity["seed"], "9")
        XCTAssertEqual(world.identity["theme"], Theme.forSeed(9).name)
        let start = try world.reset(seed: 9)
        var frame = start
        for _ in 0..<20 { frame = try world.step(2) }
        XCTAssertNotEqual(frame, start)
        XCTAssertEqual(try world.reset(seed: 9), start)
        XCTAssertThrowsError(try world.step(6))
    }
}

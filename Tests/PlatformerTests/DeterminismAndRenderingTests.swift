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

    func testThemesLookDifferentAndTheClampedCameraScrollsWithThePlayer() {
        let frames = Theme.allCases.map { game.render(game.newState(seed: 1, theme: $0)) }
        XCTAssertEqual(Set(frames.map { $0.pixels }).count, Theme.allCases.count)

        let clamped = Fixture.clampedGame
        var state = clamped.newState(seed: 4)
        let first = clamped.render(state)
        XCTAssertEqual(clamped.cameraX(state), 0, "the clamped camera stands still at a level's start")
        for _ in 0..<40 { clamped.step(&state, action: 2) }
        XCTAssertGreaterThan(clamped.cameraX(state), 0, "camera follows the player to the right")
        XCTAssertNotEqual(clamped.render(state), first)
        // The player stays near the middle of the screen once the camera scrolls.
        let screenX = state.player.pixelX - clamped.cameraX(state)
        XCTAssertTrue((24...36).contains(screenX), "player at screen x \(screenX)")
    }

    func testFollowCameraKeepsThePlayerCentredAndShowsBrickBeyondTheLevel() {
        let follow = game
        XCTAssertEqual(follow.camera, .follow, "the default camera")
        let clamped = Fixture.clampedGame
        var state = follow.newState(seed: 4)
        let clampedStart = clamped.newState(seed: 4)
        XCTAssertEqual(state, clampedStart, "the camera changes what is drawn, not the game")
        let cam = follow.cameraX(state)
        XCTAssertLessThan(cam, 0, "at a level's start the follow camera looks past the level's left end")
        // Left of the level every pixel is the theme's brick tile.
        let frame = follow.render(state)
        let brick = Fixture.assets.art(state.theme).brick
        for y in 0..<frame.height {
            for x in 0..<(-cam) {
                let bx = Physics.floorDiv(x + cam, Physics.tilePixels) * Physics.tilePixels
                let i = (y % Physics.tilePixels) * brick.width + (x + cam - bx)
                guard brick.opaque[i] else { continue }
                XCTAssertEqual(frame[x, y], RGB(brick.pixels[3 * i], brick.pixels[3 * i + 1], brick.pixels[3 * i + 2]), "pixel \(x), \(y)")
            }
        }
        // Wherever the player walks, its centre stays at the frame's centre: a step is always a scroll.
        for action in [1, 1, 1, 0, 2, 2, 2, 2, 2, 2, 2, 2, 5, 2, 2, 1, 4] {
            follow.step(&state, action: action)
            XCTAssertEqual(state.player.pixelX + Physics.playerWidth / 2 - follow.cameraX(state), follow.width / 2)
        }
        XCTAssertEqual(clamped.cameraX(clampedStart), 0, "the clamped camera stands still at a level's start")
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

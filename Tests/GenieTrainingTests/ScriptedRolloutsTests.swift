import XCTest
import GenieMedia
import GenieModels
import GenieTensor
import Platformer
@testable import GenieTraining

/// A world that shows one flat colour whatever is pressed: a learned world that lost
/// everything, player included.
private final class FlatWorld: World {
    let color: RGB
    init(color: RGB) { self.color = color }
    let kind = "flat"
    var identity: [String: String] { [:] }
    let frameWidth = 64, frameHeight = 64, actionCount = 6
    func actionName(_ index: Int) -> String { "\(index)" }
    func action(forControl control: String) -> Int? { Control.all.firstIndex(of: control) }
    func frame() -> Frame { Frame(width: 64, height: 64, pixels: (0..<(64 * 64)).flatMap { _ in [color.r, color.g, color.b] }) }
    func reset(seed: UInt64) throws -> Frame { frame() }
    func step(_ action: Int) throws -> Frame { frame() }
}

final class ScriptedRolloutsTests: XCTestCase {
    let starts: [UInt64] = [DatasetWriter.episodeSeed(datasetSeed: 9102, episode: 0), DatasetWriter.episodeSeed(datasetSeed: 9102, episode: 1)]

    func testTheSimulatorAgainstItselfIsPerfectAndNeverLosesThePlayer() throws {
        let truth = try PlatformerWorld(seed: 0)
        let figures = try ScriptedRollouts.evaluate(truth: truth, starts: starts) { _, seed in
            let copy = try PlatformerWorld(seed: seed)
            _ = try copy.reset(seed: seed)
            return copy
        }
        XCTAssertEqual(Set(figures.keys), ["stand", "jump_from_rest", "run_right", "run_left", "mixed"])
        XCTAssertEqual(Set(figures["stand"]!.psnr.keys), [4, 16, 32, 64])
        XCTAssertEqual(Set(figures["jump_from_rest"]!.psnr.keys), [4, 16], "25 frames reach t = 16, not 32")
        XCTAssertEqual(Set(figures["run_left"]!.psnr.keys), [4, 16])
        for (name, f) in figures {
            XCTAssertEqual(f.starts, 2)
            XCTAssertTrue(f.psnr.values.allSatisfy { $0 == 100 }, "\(name): identical frames are capped at 100 dB: \(f.psnr)")
            XCTAssertTrue(f.playerPSNR.values.allSatisfy { $0 == 100 }, "\(name): \(f.playerPSNR)")
            XCTAssertEqual(f.playerMissing, 0, "\(name)")
            XCTAssertEqual(f.playerAtEnd, 1, "\(name)")
        }
    }

    func testAWorldWithoutAPlayerIsMissingItEverywhere() throws {
        let truth = try PlatformerWorld(seed: 0)
        let sky = try truth.reset(seed: starts[0])
        let flat = FlatWorld(color: RGB(sky.pixels[0], sky.pixels[1], sky.pixels[2]))
        XCTAssertFalse(truth.playerColors.contains(flat.color), "the sky is not a player colour")
        let figures = try ScriptedRollouts.evaluate(truth: truth, starts: starts) { _, _ in flat }
        for (name, f) in figures {
            XCTAssertEqual(f.playerMissing, 1, "\(name)")
            XCTAssertEqual(f.playerAtEnd, 0, "\(name)")
            XCTAssertTrue(f.psnr.values.allSatisfy { $0 < 30 }, "\(name): \(f.psnr)")
            XCTAssertTrue(f.playerPSNR.values.allSatisfy { $0 < f.psnr.values.max()! + 10 }, "\(name)")
        }
    }

    /// The ceiling world shows the simulator's frames through the tokenizer, one frame at a
    /// time with rolling caches: within its window, what the whole clip's encoding and decoding
    /// gives; under the simulator's controls.
    func testTheCeilingIsTheSimulatorThroughTheTokenizer() throws {
        let tiny = TransformerConfig(width: 16, depth: 1, heads: 2, feedForwardMultiple: 2)
        var config = TokenizerConfig()
        config.patch = 8; config.codebookSize = 16; config.codeDimension = 4
        config.encoder = tiny; config.decoder = tiny
        let tokenizer = VideoTokenizer(config, seed: 1)
        let ceiling = TokenizerReconstruction(simulator: try PlatformerWorld(seed: 0), tokenizer: tokenizer, window: 4)
        let simulator = try PlatformerWorld(seed: 0)
        XCTAssertEqual(ceiling.action(forControl: Control.right), simulator.action(forControl: Control.right))
        let right = simulator.action(forControl: Control.right)!
        var frames = [try simulator.reset(seed: starts[0])]
        var shown = [try ceiling.reset(seed: starts[0])]
        for _ in 0..<2 {
            frames.append(try simulator.step(right))
            shown.append(try ceiling.step(right))
        }
        let clip = withoutGradient { tokenizer.decode(codes: tokenizer.encode(unitTensor(frames)), batch: 1, frames: frames.count) }
        for t in 0..<frames.count {
            let whole = clip.frame(batch: 0, time: t)
            let largest = zip(whole.pixels, shown[t].pixels).map { abs(Int($0) - Int($1)) }.max()!
            XCTAssertLessThanOrEqual(largest, 1, "frame \(t): the cached streams give the clip's reconstruction")
            XCTAssertTrue(shown[t] != frames[t], "a tokenizer of random weights does not return the frame")
        }
    }

    /// The box follows the sprite the renderer draws: its pixels hold player colours, and
    /// the box grown by the margin stays inside the frame.
    func testThePlayerBoxHoldsThePlayersColours() throws {
        let world = try PlatformerWorld(seed: 0)
        let frame = try world.reset(seed: starts[0])
        let box = try XCTUnwrap(world.playerBox.expanded(by: ScriptedRollouts.boxMargin, within: 64, 64))
        XCTAssertFalse(ScriptedRollouts.distinctiveColors(of: frame, in: world.playerBox, among: world.playerColors).isEmpty)
        XCTAssertTrue(ScriptedRollouts.shows(frame, anyOf: Array(world.playerColors), in: box))
        XCTAssertEqual(world.playerBox.width * world.playerBox.height, 80, "the 8x10 sprite")
    }
}

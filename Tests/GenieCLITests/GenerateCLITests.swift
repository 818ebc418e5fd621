import Foundation
import XCTest
// The CLI target links these; the tests use them to write tiny checkpoints and prompts.
import GenieMedia
import GenieModels
import GenieWorld
import GenieTensor

/// `genie generate` end to end on tiny randomly initialised checkpoints saved here.
final class GenerateCLITests: XCTestCase {
    var directory = ""

    func run(_ arguments: [String]) throws -> (Int32, String) { try GenieExecutable.run(arguments, in: directory) }

    static let tiny = TransformerConfig(width: 16, depth: 2, heads: 2, feedForwardMultiple: 2)

    func saveWeights(_ folder: String, codebook: Int = 16) throws { try Self.saveTinyWeights(folder, codebook: codebook) }

    /// A tiny random world of 8x8 frames: tokenizer (patch 4) and dynamics (4 actions).
    static func saveTinyWeights(_ folder: String, codebook: Int = 16) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var t = TokenizerConfig()
        t.frameHeight = 8; t.frameWidth = 8; t.patch = 4; t.codebookSize = 16; t.codeDimension = 4
        t.encoder = Self.tiny; t.decoder = Self.tiny
        try Checkpoint.save(VideoTokenizer(t, seed: 1), kind: "tokenizer", config: t, to: folder + "/tokenizer.safetensors")
        var d = DynamicsConfig()
        d.tokensPerFrame = 4; d.codebookSize = codebook; d.actions = 4; d.transformer = Self.tiny
        try Checkpoint.save(DynamicsModel(d, seed: 2), kind: "dynamics", config: d, to: folder + "/dynamics.safetensors")
    }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("genie-generate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try saveWeights(directory + "/weights")
        var g = RandomGenerator(seed: 5)
        try PNG.write(Frame(width: 8, height: 8, pixels: (0..<192).map { _ in UInt8(g.nextInt(256)) }), to: directory + "/prompt.png")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func pngs(_ folder: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory + "/" + folder) {
            out[name] = FileManager.default.contents(atPath: directory + "/" + folder + "/" + name)
        }
        return out
    }

    func testGeneratesFramesDeterministically() throws {
        let args = ["generate", "--prompt", "prompt.png", "--actions", "0,1,2,3,1", "--seed", "3"]
        var (status, output) = try run(args + ["--out", "a"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("wrote 6 frames and trace.json"), output)
        (status, output) = try run(args + ["--out", "b"])
        XCTAssertEqual(status, 0, output)
        let a = try pngs("a"), b = try pngs("b")
        XCTAssertEqual(a.keys.sorted(), (0...5).map { String(format: "frame_%05d.png", $0) } + ["trace.json"])
        XCTAssertEqual(a, b, "same seed, same bytes")
        XCTAssertEqual(try PNG.read(directory + "/a/frame_00005.png").width, 8)
        (status, output) = try run(["generate", "--prompt", "prompt.png", "--actions", "0,1,2,3,1", "--seed", "4", "--out", "c"])
        XCTAssertEqual(status, 0, output)
        XCTAssertNotEqual(try pngs("c"), a, "another seed samples other frames")

        // Control names go through the key map stored with the weights.
        try LatentKeyMap(latentActions: 4, controls: ["right": 2, "jump": 1]).write(to: directory + "/weights/keymap.json")
        (status, output) = try run(["generate", "--prompt", "prompt.png", "--actions", "right,jump,2", "--out", "d"])
        XCTAssertEqual(status, 0, output)
    }

    /// The trace names the weights folder it was made with: replay finds the weights from
    /// anywhere, and makes the same frames byte for byte.
    func testGeneratedTraceReplaysFromAnotherFolderWithTheWeightsItNames() throws {
        try saveWeights(directory + "/elsewhere")
        var (status, output) = try run(["generate", "--prompt", "prompt.png", "--actions", "0,3,1,2", "--seed", "7",
                                        "--weights", "elsewhere", "--out", "gen"])
        XCTAssertEqual(status, 0, output)
        let trace = try Trace.load(directory + "/gen/trace.json")
        XCTAssertEqual(trace.world.location, directory + "/elsewhere")
        XCTAssertEqual(trace.steps.map(\.action), [0, 3, 1, 2])
        // From another working directory, with no weights/ of its own.
        let other = directory + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        (status, output) = try GenieExecutable.run(["replay", directory + "/gen/trace.json", "--out", other + "/replayed"], in: other)
        XCTAssertEqual(status, 0, output)
        let generated = try pngs("gen").filter { $0.key.hasSuffix(".png") }
        let replayed = try pngs("other/replayed")
        XCTAssertEqual(generated.count, 5)
        XCTAssertEqual(replayed, generated)
        // Weights that moved away: the usual default applies, and says what is missing.
        try FileManager.default.moveItem(atPath: directory + "/elsewhere", toPath: directory + "/moved")
        (status, output) = try GenieExecutable.run(["replay", directory + "/gen/trace.json", "--out", other + "/r2"], in: other)
        XCTAssertNotEqual(status, 0)
        XCTAssertFalse(output.contains("Fatal error"), output)
        (status, output) = try GenieExecutable.run(["replay", directory + "/gen/trace.json", "--out", other + "/r3",
                                                    "--weights", directory + "/moved"], in: other)
        XCTAssertEqual(status, 0, output)
    }

    /// A trace's session played again on a world: controls through its key map, steps
    /// without a control by latent index, the trace's seed by default.
    func testActionsFromATracePlayItsControlsThroughTheKeyMap() throws {
        try LatentKeyMap(latentActions: 4, controls: ["right": 2, "jump": 1]).write(to: directory + "/weights/keymap.json")
        var trace = Trace(world: .init(kind: "sim", identity: ["seed": "9"]), frame: .init(width: 8, height: 8), seed: 9,
                          actionNames: Control.all, settings: .init(fps: 10, mode: "step"))
        trace.steps = [.init(action: 2, control: "right", key: "right", time: 0.1), .init(action: 3, control: "jump", key: "up", time: 0.2),
                       .init(action: 3, control: "latent 3", key: "4", time: 0.3)]
        try trace.write(to: directory + "/played.json")
        var (status, output) = try run(["generate", "--prompt", "prompt.png", "--actions-from", "played.json", "--out", "e"])
        XCTAssertEqual(status, 0, output)
        let made = try Trace.load(directory + "/e/trace.json")
        XCTAssertEqual(made.steps.map(\.action), [2, 1, 3], "right and jump through the key map, then latent 3")
        XCTAssertEqual(made.steps.map(\.control), ["right", "jump", "latent 3"], "controls are recorded as controls")
        XCTAssertEqual(made.seed, 9)
        (status, output) = try run(["generate", "--prompt", "prompt.png", "--actions", "2,1,3", "--seed", "9", "--out", "f"])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(try pngs("e").filter { $0.key.hasSuffix(".png") }, try pngs("f").filter { $0.key.hasSuffix(".png") },
                       "the same frames as the same actions and seed given by hand")

        trace.steps.append(.init(action: 1, control: "left", key: "left", time: 0.4))
        try trace.write(to: directory + "/left.json")
        (status, output) = try run(["generate", "--prompt", "prompt.png", "--actions-from", "left.json", "--out", "g"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("step 4 is left, which this world's key map does not name"), output)
        (status, output) = try run(["generate", "--prompt", "prompt.png", "--actions-from", "played.json", "--actions", "0", "--out", "h"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("either --actions or --actions-from"), output)

        // With a jump airtime, a jump held plays the jump once, then noop while in the air;
        // the trace keeps the keys, so playing it again gives the same latents.
        try LatentKeyMap(latentActions: 4, controls: ["noop": 0, "right": 2, "jump": 1], jumpAirtime: 2).write(to: directory + "/weights/keymap.json")
        (status, output) = try run(["generate", "--prompt", "prompt.png", "--actions", "jump,jump,jump,jump,right", "--out", "i"])
        XCTAssertEqual(status, 0, output)
        let held = try Trace.load(directory + "/i/trace.json")
        XCTAssertEqual(held.steps.map(\.action), [1, 0, 0, 1, 2])
        (status, output) = try run(["generate", "--prompt", "prompt.png", "--actions-from", "i/trace.json", "--out", "j"])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(try Trace.load(directory + "/j/trace.json").steps, held.steps)
        XCTAssertEqual(try pngs("j").filter { $0.key.hasSuffix(".png") }, try pngs("i").filter { $0.key.hasSuffix(".png") })
    }

    /// A world of another game's footage ships its prompts in prompts/*.png: without
    /// --prompt the seed picks one (seed modulo their count), any size; the trace replays.
    func testTheWeightsFolderPromptsAreTheDefaultAndTheSeedPicksOne() throws {
        let prompts = directory + "/weights/prompts"
        try FileManager.default.createDirectory(atPath: prompts, withIntermediateDirectories: true)
        var g = RandomGenerator(seed: 11)
        for (name, size) in [("a.png", 8), ("b.png", 16)] {
            try PNG.write(Frame(width: size, height: size, pixels: (0..<(size * size * 3)).map { _ in UInt8(g.nextInt(256)) }),
                          to: prompts + "/" + name)
        }
        try Data("not a picture".utf8).write(to: URL(fileURLWithPath: prompts + "/notes.txt"))
        var firstFrames: [UInt64: Data] = [:]
        for seed: UInt64 in [0, 1, 2] {
            let (status, output) = try run(["generate", "--actions", "0,1", "--seed", "\(seed)", "--out", "s\(seed)"])
            XCTAssertEqual(status, 0, output)
            firstFrames[seed] = FileManager.default.contents(atPath: directory + "/s\(seed)/frame_00000.png")
        }
        XCTAssertEqual(firstFrames[0], firstFrames[2], "seeds 0 and 2 pick a.png")
        XCTAssertNotEqual(firstFrames[0], firstFrames[1], "seed 1 picks b.png")
        let trace = try Trace.load(directory + "/s1/trace.json")
        XCTAssertTrue(trace.world.identity["prompt"]?.hasPrefix("weights-prompts:2:") == true, "\(trace.world.identity)")
        var (status, output) = try run(["replay", "s1/trace.json", "--out", "r1"])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(try pngs("r1"), try pngs("s1").filter { $0.key.hasSuffix(".png") })
        // Other prompts in the folder: the trace no longer matches, and says so.
        try PNG.write(Frame(width: 8, height: 8, pixels: [UInt8](repeating: 7, count: 192)), to: prompts + "/c.png")
        (status, output) = try run(["replay", "s1/trace.json", "--out", "r2"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("identity \"prompt\""), output)
        // A damaged prompt is one error line, not a crash.
        try Data("\u{89}PNG broken".utf8).write(to: URL(fileURLWithPath: prompts + "/c.png"))
        (status, output) = try run(["generate", "--actions", "0", "--out", "bad"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("bad prompt") && output.contains("c.png"), output)
        XCTAssertFalse(output.contains("Fatal error"), output)
        // A file named prompts is refused, not passed over for the simulator's start frame.
        try FileManager.default.removeItem(atPath: prompts)
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: prompts))
        (status, output) = try run(["generate", "--actions", "0", "--out", "file"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("bad prompt") && output.contains("is a file, not a folder"), output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/file/frame_00000.png"))
    }

    func testNonEmptyOutNeedsForceAndThenReplacesOnlyItsOwnFiles() throws {
        let args = ["generate", "--prompt", "prompt.png", "--seed", "3", "--out", "gen", "--actions"]
        var (status, output) = try run(args + ["0,1,2,3"])
        XCTAssertEqual(status, 0, output)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: directory + "/gen/notes.txt"))
        (status, output) = try run(args + ["0,1"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("--out gen is not empty; pass --force"), output)
        XCTAssertEqual(try pngs("gen").count, 7, "nothing touched: 5 frames, trace.json, notes.txt")
        (status, output) = try run(args + ["0,1", "--force"])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(try pngs("gen").keys.sorted(), ["frame_00000.png", "frame_00001.png", "frame_00002.png", "notes.txt", "trace.json"],
                       "the old frames 3 and 4 are gone, the user's file stays")
    }

    func testBadInputFailsClearly() throws {
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: directory + "/bad.png"))
        try saveWeights(directory + "/mismatched", codebook: 32)
        let cases: [([String], String)] = [
            (["--prompt", "prompt.png", "--actions", "0,9"], "outside the latent actions 0...3"),
            (["--prompt", "prompt.png", "--actions", "0,,1"], "item 2"),
            (["--prompt", "prompt.png", "--actions", "right"], "no key map"),
            (["--prompt", "bad.png", "--actions", "0"], "not a PNG"),
            (["--prompt", "missing.png", "--actions", "0"], "not found"),
            (["--prompt", "prompt.png", "--actions", "0", "--weights", "nowhere"], "no trained world in nowhere"),
            (["--prompt", "prompt.png", "--actions", "0", "--weights", "mismatched"], "do not belong together"),
            (["--prompt", "prompt.png", "--actions", "0", "--iterations", "0"], "--iterations"),
        ]
        for (args, expected) in cases {
            let (status, output) = try run(["generate"] + args + ["--out", "x"])
            XCTAssertNotEqual(status, 0, "\(args): \(output)")
            XCTAssertTrue(output.contains(expected), "\(args): expected \"\(expected)\" in: \(output)")
            XCTAssertFalse(output.contains("Fatal error") || output.contains("Stack dump"), output)
        }
    }
}

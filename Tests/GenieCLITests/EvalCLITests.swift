import Foundation
import XCTest
import GenieMedia
import GenieModels
import GenieWorld
import GenieTensor

/// `genie keymap` and `genie eval` end to end on simulator episodes and tiny random models:
/// every figure the issues name comes out, and the pictures have the promised layout.
final class EvalCLITests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("genie-eval-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func run(_ arguments: [String]) throws -> (Int32, String) { try GenieExecutable.run(arguments, in: directory) }

    /// Tiny random tokenizer, LAM (8 latent actions) and dynamics model for 16x48 frames, as
    /// tokenizer.safetensors, lam.safetensors and dynamics.safetensors in `directory`.
    static func saveTinyNetworks(in directory: String) throws {
        let tiny = TransformerConfig(width: 16, depth: 1, heads: 2, feedForwardMultiple: 2)
        var t = TokenizerConfig()
        t.frameWidth = 16; t.frameHeight = 48; t.patch = 8; t.codebookSize = 16; t.codeDimension = 4
        t.encoder = tiny; t.decoder = tiny
        try Checkpoint.save(VideoTokenizer(t, seed: 1), kind: "tokenizer", config: t, to: directory + "/tokenizer.safetensors")
        var l = LatentActionConfig()
        l.frameWidth = 16; l.frameHeight = 48; l.patch = 8; l.actions = 8; l.latentDimension = 4
        l.encoder = tiny; l.decoder = tiny
        try Checkpoint.save(LatentActionModel(l, seed: 2), kind: "lam", config: l, to: directory + "/lam.safetensors")
        var d = DynamicsConfig()
        d.tokensPerFrame = 12; d.codebookSize = 16; d.actions = 8; d.transformer = tiny
        try Checkpoint.save(DynamicsModel(d, seed: 3), kind: "dynamics", config: d, to: directory + "/dynamics.safetensors")
    }

    func testKeymapAndEvalReportEveryFigureAndDrawThePictures() throws {
        var (status, output) = try run(["data", "generate", "--out", "data", "--episodes", "2", "--frames", "20", "--seed", "3",
                                        "--policy", "roamer", "--width", "16", "--height", "48"])
        XCTAssertEqual(status, 0, output)
        try Self.saveTinyNetworks(in: directory)

        (status, output) = try run(["keymap", "--lam", "lam.safetensors", "--data", "data", "--out", "keymap.json", "--clip", "8"])
        XCTAssertEqual(status, 0, output)
        // The LAM's pass over every clip reports its progress (two episodes of 20 frames: 4 whole clips of 8).
        XCTAssertTrue(output.contains("latent actions: 4/4 clips"), output)
        let keyMap = try LatentKeyMap.load(directory + "/keymap.json")
        XCTAssertEqual(keyMap.latentActions, 8)
        XCTAssertTrue(keyMap.controls.values.allSatisfy { (0..<8).contains($0) }, "\(keyMap.controls)")
        // A key map is never written by default, nor over another without --force.
        let written = try Data(contentsOf: URL(fileURLWithPath: directory + "/keymap.json"))
        (status, output) = try run(["keymap", "--lam", "lam.safetensors", "--data", "data", "--clip", "8"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("--out"), output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/weights/keymap.json"))
        try Data("{}".utf8).write(to: URL(fileURLWithPath: directory + "/keymap.json"))
        (status, output) = try run(["keymap", "--lam", "lam.safetensors", "--data", "data", "--out", "keymap.json", "--clip", "8"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("keymap.json exists; pass --force"), output)
        XCTAssertEqual(try String(contentsOfFile: directory + "/keymap.json", encoding: .utf8), "{}", "left as it was")
        (status, output) = try run(["keymap", "--lam", "lam.safetensors", "--data", "data", "--out", "keymap.json", "--clip", "8", "--force"])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: directory + "/keymap.json")), written, "replaced with --force")
        // With the tokenizer, the map also holds a jump reader for its codes, scored beside the airtime.
        (status, output) = try run(["keymap", "--lam", "lam.safetensors", "--data", "data", "--out", "keymap-reader.json", "--clip", "8",
                                    "--tokenizer", "tokenizer.safetensors"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("jump reader (") && output.contains("airtime: right for"), output)
        let reader = try XCTUnwrap(try LatentKeyMap.load(directory + "/keymap-reader.json").jumpReader)
        XCTAssertEqual([reader.tokensPerFrame, reader.codebookSize], [12, 16])

        let evaluation = try GenieExecutable.runApart(["eval", "--data", "data", "--tokenizer", "tokenizer.safetensors", "--lam", "lam.safetensors",
                                    "--dynamics", "dynamics.safetensors", "--keymap", "keymap.json", "--clips", "2", "--clip-length", "8",
                                    "--rollout-clips", "1", "--iterations", "2", "--pictures", "pictures", "--json"], in: directory)
        (status, output) = (evaluation.status, evaluation.stdout)
        XCTAssertEqual(status, 0, output + evaluation.stderr)
        // The long parts say how far they are, on stderr (stdout stays the report alone).
        for line in ["eval: dynamics: 0/2 clips", "eval: dynamics: 2/2 clips", "eval: prompt persistence: 0/1 prompts",
                     "eval: prompt persistence: 1/1 prompts", "eval: rollouts: 0/1 clips", "eval: rollouts: 1/1 clips"] {
            XCTAssertTrue(evaluation.stderr.contains(line), "\(line) in: \(evaluation.stderr)")
        }
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], output)
        func number(_ key: String) -> Double { (report[key] as? NSNumber)?.doubleValue ?? .nan }
        for key in ["tokenizer_psnr", "psnr_t4_inferred", "psnr_t4_random", "rollout_psnr_t1_mapped", "rollout_psnr_t4_mapped",
                    "rollout_psnr_t4_random", "rollout_psnr_t16_mapped", "rollout_psnr_t16_random"] {
            XCTAssertTrue((0...100).contains(number(key)), "\(key) is a PSNR in [0, 100] dB: \(output)")
        }
        XCTAssertTrue((0...1).contains(number("lam_agreement")), output)
        XCTAssertEqual(report["clips"] as? Int, 2)
        XCTAssertEqual(report["clip_length"] as? Int, 8)
        XCTAssertEqual(report["tokens_per_frame"] as? Int, 12)
        // The histogram counts every transition of the 2 clips of 8 frames, once.
        let histogram = try XCTUnwrap(report["lam_code_histogram"] as? [Int], output)
        XCTAssertEqual(histogram.count, 8)
        XCTAssertEqual(histogram.reduce(0, +), 2 * 7)
        XCTAssertEqual(report["lam_codes_used"] as? Int, histogram.filter { $0 > 0 }.count)
        // Both confusion tables count each transition once, in its code's row.
        for key in ["lam_confusion", "lam_confusion_classes"] {
            let table = try XCTUnwrap(report[key] as? [[Int]], output)
            XCTAssertEqual(table.map { $0.reduce(0, +) }, histogram, key)
        }
        XCTAssertEqual(number("delta_psnr_t4"), number("psnr_t4_inferred") - number("psnr_t4_random"), accuracy: 0.011)
        XCTAssertEqual(report["rollout_clips"] as? Int, 1)
        // 16 noop frames from a held-out prompt, each a PSNR against its reconstruction.
        let persistence = try XCTUnwrap(report["prompt_persistence_psnr"] as? [Double], output)
        XCTAssertEqual(persistence.count, 16)
        XCTAssertTrue(persistence.allSatisfy { (0...100).contains($0) }, "\(persistence)")
        XCTAssertEqual(report["prompt_persistence_psnr_t1"] as? Double, persistence[0])
        XCTAssertEqual(report["prompt_persistence_psnr_t4"] as? Double, persistence[3])
        XCTAssertEqual(report["prompt_persistence_psnr_t16"] as? Double, persistence[15])
        // 8 rows (one per latent) of the prompt and 8 generated frames, each 16x48 at scale 2, 2 px gutters.
        let actions = try PNG.read(directory + "/pictures/latent_actions.png")
        XCTAssertEqual(actions.width, 9 * (32 + 2) + 2)
        XCTAssertEqual(actions.height, 8 * (96 + 2) + 2)
        let reconstructions = try PNG.read(directory + "/pictures/tokenizer.png")
        XCTAssertEqual(reconstructions.height, 4 * (96 + 2) + 2, "real and reconstructed rows of 2 clips")

        (status, output) = try run(["eval", "--data", "data", "--tokenizer", "tokenizer.safetensors", "--keymap", "keymap.json"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("--keymap is used with --dynamics"), output)
    }

    /// `--transitions` lists each evaluated transition once, with the code eval counted, the
    /// true action and class of actions.csv and the pixel values that changed.
    func testTransitionsFileListsEveryTransitionAsEvalCountsIt() throws {
        var (status, output) = try run(["data", "generate", "--out", "data", "--episodes", "2", "--frames", "20", "--seed", "5",
                                        "--policy", "roamer", "--width", "16", "--height", "48"])
        XCTAssertEqual(status, 0, output)
        try Self.saveTinyNetworks(in: directory)
        (status, output) = try run(["eval", "--data", "data", "--lam", "lam.safetensors", "--clips", "4", "--clip-length", "8",
                                    "--transitions", "out/transitions.csv", "--json"])
        XCTAssertEqual(status, 0, output)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], output)
        let text = try String(contentsOfFile: directory + "/out/transitions.csv", encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.removeFirst(), "episode,frame,action,class,code,changed_values,z0,z1,z2,z3")
        XCTAssertEqual(lines.count, 4 * 7, "4 clips of 8 frames")
        var histogram = [Int](repeating: 0, count: 8)
        for line in lines {
            let cells = line.split(separator: ",").map(String.init)
            XCTAssertEqual(cells.count, 10, line)
            let folder = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "\"")), frame = try XCTUnwrap(Int(cells[1]), line)
            histogram[try XCTUnwrap(Int(cells[4]), line)] += 1
            // The action and class of actions.csv's row for this frame.
            let actions = try String(contentsOfFile: "\(directory)/data/\(folder)/actions.csv", encoding: .utf8).split(separator: "\n")
            let row = actions[frame + 1].split(separator: ",").map(String.init)
            XCTAssertEqual(row[0], cells[1], line)
            XCTAssertEqual([row[1], row[2]], [cells[2], cells[3]], line)
            // Changed pixel values, counted from the PNG frames.
            let before = try PNG.read(String(format: "%@/data/%@/frame_%05d.png", directory, folder, frame))
            let after = try PNG.read(String(format: "%@/data/%@/frame_%05d.png", directory, folder, frame + 1))
            XCTAssertEqual(Int(cells[5]), zip(before.pixels, after.pixels).filter { $0 != $1 }.count, line)
            XCTAssertTrue(cells[6...].allSatisfy { Float($0)?.isFinite == true }, line)
        }
        XCTAssertEqual(histogram, report["lam_code_histogram"] as? [Int])
        XCTAssertGreaterThan(Set(lines.map { $0.split(separator: ",")[5] }).count, 1, "changed counts differ from step to step")

        (status, output) = try run(["eval", "--data", "data", "--tokenizer", "tokenizer.safetensors", "--transitions", "t.csv"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("--transitions lists the LAM's codes: it needs --lam"), output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/t.csv"))
    }
}

import Foundation
import XCTest
import GenieMedia
import GenieModels
import GenieTensor

/// The command line against an adversarial user: a training killed at any moment resumes
/// exactly, a run folder has one writer, and runtime errors are one line in genie's words.
final class HostileInputCLITests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("genie-hostile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func run(_ arguments: [String]) throws -> (Int32, String) { try GenieExecutable.run(arguments, in: directory) }

    func makeData() throws {
        let (status, output) = try run(["data", "generate", "--out", "data", "--episodes", "2", "--frames", "12", "--seed", "3",
                                        "--policy", "roamer", "--width", "16", "--height", "48"])
        XCTAssertEqual(status, 0, output)
    }

    /// A tiny tokenizer training with a checkpoint every step.
    func trainArguments(out: String, steps: Int) -> [String] {
        ["train", "tokenizer", "--data", "data", "--out", out, "--steps", String(steps), "--batch", "2", "--clip", "3",
         "--patch", "8", "--width", "16", "--depth", "1", "--heads", "2", "--codes", "16", "--code-dimension", "4",
         "--warmup", "2", "--checkpoint-every", "1", "--sample-every", "1000"]
    }

    func start(_ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = GenieExecutable.url
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    func parameters(_ path: String) throws -> [String: [UInt32]] {
        let file = try SafeTensorsFile.read(path)
        return Dictionary(uniqueKeysWithValues: try file.names.map { ($0, try file.tensor($0).array.map(\.bitPattern)) })
    }

    /// The step of the training state in `folder`, or nil before the first checkpoint.
    func savedStep(_ folder: String) -> Int? {
        (try? SafeTensorsFile.read(directory + "/\(folder)/tokenizer.state.safetensors")).flatMap { Int($0.metadata["step"] ?? "") }
    }

    func testTrainingKilledAtAnyMomentResumesExactly() throws {
        try makeData()
        let steps = 12
        var (status, output) = try run(trainArguments(out: "straight", steps: steps))
        XCTAssertEqual(status, 0, output)
        let expected = try parameters(directory + "/straight/tokenizer.safetensors")
        var generator = RandomGenerator(seed: 16)
        // Killed while starting up, and after checkpoints 1, 4 and 7, a random 0-20 ms into
        // what follows (the next step, or the writing of the next checkpoint).
        for (attempt, target) in [nil, 1, 4, 7].enumerated() {
            let out = "killed\(attempt)"
            let training = try start(trainArguments(out: out, steps: steps))
            if let target {
                let deadline = Date().addingTimeInterval(60)
                while (savedStep(out) ?? -1) < target, Date() < deadline { usleep(2_000) }
            }
            usleep(useconds_t(generator.nextInt(20_000)))
            kill(training.processIdentifier, SIGKILL)
            training.waitUntilExit()
            XCTAssertEqual(training.terminationReason, .uncaughtSignal, "attempt \(attempt) finished before it was killed")
            let killedAt = savedStep(out)
            (status, output) = try run(trainArguments(out: out, steps: steps) + ["--resume"])
            if killedAt == nil {
                // Killed before its first checkpoint: nothing to resume, said so; start again.
                XCTAssertEqual(status, 1, output)
                XCTAssertTrue(output.contains("nothing to resume"), "attempt \(attempt): \(output)")
                (status, output) = try run(trainArguments(out: out, steps: steps))
            } else {
                XCTAssertTrue(output.contains("resumed tokenizer at step \(killedAt!)"), "attempt \(attempt): \(output)")
            }
            XCTAssertEqual(status, 0, "attempt \(attempt): \(output)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory + "/" + out).filter { $0.hasSuffix(".tmp") }
            XCTAssertEqual(leftovers, [], "attempt \(attempt): temporary files of the killed run remain")
            XCTAssertTrue(try parameters(directory + "/\(out)/tokenizer.safetensors") == expected,
                          "attempt \(attempt) (killed at step \(killedAt.map(String.init) ?? "none")): the resumed run differs from the straight one")
        }
    }

    func testASecondTrainingIntoTheSameFolderIsRefused() throws {
        try makeData()
        let training = try start(trainArguments(out: "run", steps: 100_000))
        defer { kill(training.processIdentifier, SIGKILL); training.waitUntilExit() }
        let lock = directory + "/run/tokenizer.lock"
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !((try? String(contentsOfFile: lock, encoding: .utf8)) ?? "").hasPrefix("pid ") { usleep(50_000) }
        for extra in [[], ["--resume"]] {
            let (status, output) = try run(trainArguments(out: "run", steps: 100_000) + extra)
            XCTAssertEqual(status, 1, output)
            XCTAssertTrue(output.contains("run is being written by a running tokenizer training (pid \(training.processIdentifier): "), output)
            XCTAssertEqual(output.split(separator: "\n").count, 1, output)
            XCTAssertTrue(output.hasPrefix("Error: "), output)
        }
    }

    /// Each runtime error is one line: "Error: …", no usage block, no Foundation dump.
    func assertOneLineError(_ arguments: [String], contains expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (status, output) = try run(arguments)
        XCTAssertEqual(status, 1, output, file: file, line: line)
        // Progress lines ("reading data…") may come first; the error is the last line, alone.
        let lines = output.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.contains("Error") }.count, 1, "\(arguments): \(output)", file: file, line: line)
        XCTAssertTrue(lines.last?.hasPrefix("Error: ") == true, output, file: file, line: line)
        XCTAssertTrue(output.contains(expected), "\(arguments): expected \"\(expected)\" in \(output)", file: file, line: line)
        XCTAssertFalse(output.contains("Usage:") || output.contains("Error Domain") || output.contains("NSCocoaErrorDomain"), output,
                       file: file, line: line)
    }

    func testAnOutputThatIsAFileGivesOneLineInGeniesWords() throws {
        try makeData()
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/afile"))
        var t = TokenizerConfig()
        t.frameWidth = 16; t.frameHeight = 48; t.patch = 8; t.codebookSize = 16; t.codeDimension = 4
        t.encoder = TransformerConfig(width: 16, depth: 1, heads: 2, feedForwardMultiple: 2); t.decoder = t.encoder
        try Checkpoint.save(VideoTokenizer(t, seed: 1), kind: "tokenizer", config: t, to: directory + "/tokenizer.safetensors")
        let trace = Trace(world: .init(kind: "sim", identity: ["seed": "3", "theme": "night"]), frame: .init(width: 64, height: 64), seed: 3,
                          actionNames: ["noop", "left", "right", "jump", "left+jump", "right+jump"],
                          settings: .init(fps: 10, mode: "step"), recordedFrames: [[0, 0]])
        try trace.write(to: directory + "/trace.json")

        try assertOneLineError(trainArguments(out: "afile", steps: 2), contains: "afile: it is a file, not a folder")
        try assertOneLineError(["replay", "trace.json", "--out", "afile"], contains: "afile: it is a file, not a folder")
        try assertOneLineError(["eval", "--data", "data", "--tokenizer", "tokenizer.safetensors", "--clips", "1", "--clip-length", "3",
                                "--pictures", "afile"], contains: "afile")
        try assertOneLineError(["train", "tokenizer", "--data", "nowhere", "--out", "run2"], contains: "nowhere")
        // A command that still creates its folder through Foundation: the error is translated.
        var d = DynamicsConfig()
        d.tokensPerFrame = 12; d.codebookSize = 16; d.actions = 4; d.transformer = t.encoder
        try Checkpoint.save(DynamicsModel(d, seed: 2), kind: "dynamics", config: d, to: directory + "/dynamics.safetensors")
        try PNG.write(Frame(width: 16, height: 48, fill: RGB(10, 20, 30)), to: directory + "/prompt.png")
        try assertOneLineError(["generate", "--weights", ".", "--prompt", "prompt.png", "--actions", "0", "--out", "afile"],
                               contains: "afile")
        // --init is checked before the data is read or the run folder made.
        try assertOneLineError(trainArguments(out: "run4", steps: 2) + ["--init", "missing.safetensors"], contains: "missing.safetensors")
        try assertOneLineError(trainArguments(out: "run4", steps: 2) + ["--init", "dynamics.safetensors"],
                               contains: "dynamics.safetensors is a dynamics checkpoint, but a tokenizer checkpoint is needed here")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/run4"))
        var threeHeads = trainArguments(out: "run3", steps: 2)
        threeHeads[threeHeads.firstIndex(of: "--heads")! + 1] = "3"
        try assertOneLineError(threeHeads, contains: "encoder.heads is 3: a width of 16 does not split into 3 heads of an even size")
    }

    /// A moving-average decay outside [0, 1) (or not a number) is refused before any data is read.
    func testABadMovingAverageDecayIsRefused() throws {
        for decay in ["1", "-0.5", "nan", "1.5"] {
            let (status, output) = try run(trainArguments(out: "run-ema", steps: 2) + ["--ema-decay=\(decay)"])
            XCTAssertNotEqual(status, 0, output)
            XCTAssertTrue(output.contains("--ema-decay must be at least 0 and below 1"), "\(decay): \(output)")
            XCTAssertFalse(output.contains("reading"), "refused before the data is read: \(output)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/run-ema"))
    }

    /// Numbers no run can use are refused at once, each with the reason: never a division by
    /// zero, a range that traps or a conversion that overflows later, after the data was read.
    func testNumbersOutsideTheirRangeAreRefusedBeforeAnyWork() throws {
        try makeData()
        func with(_ arguments: [String], _ option: String, _ value: String) -> [String] {
            var a = arguments
            if let i = a.firstIndex(of: option) { a.remove(at: i + 1); a.remove(at: i) }
            return a + ["\(option)=\(value)"]
        }
        let train = trainArguments(out: "run-bad", steps: 2)
        let eval = ["eval", "--data", "data", "--tokenizer", "t.safetensors"]
        let cases: [([String], String)] = [
            (with(train, "--sample-every", "0"), "--checkpoint-every and --sample-every must be at least 1"),
            (with(train, "--checkpoint-every", "0"), "--checkpoint-every and --sample-every must be at least 1"),
            (with(train, "--warmup", "-9223372036854775808"), "--warmup must be at least 0"),
            (with(train, "--max-episodes", "-1"), "--max-episodes must be at least 1"),
            (with(train, "--batch", "100000"), "--batch must be at most 4096"),
            (with(eval, "--clips", "-1"), "--clips must be between 1 and 100000"),
            (with(eval, "--rollout-clips", "-1"), "--rollout-clips between 0 and 100000"),
            (with(eval, "--clip-length", "0"), "--clip-length must be between 2 and 1024"),
            (with(eval, "--horizon", "0"), "--horizon must be between 1 and 1023"),
            (with(eval, "--iterations", "0"), "--iterations must be between 1 and 64"),
            (["keymap", "--lam", "l", "--data", "data", "--out", "k.json", "--max-episodes=-1"], "--max-episodes must be at least 1"),
            (["replay", "trace.json", "--speed", "1e-300"], "--speed must be between 0.01 and 100"),
            (["replay", "trace.json", "--fps", "1e-300"], "--fps must be between 0.1 and 1000"),
            (["play", "--fps", "1e-300"], "--fps must be between 0.1 and 240"),
            (["bench", "train", "--patch", "3"], "the model settings are invalid: patch is 3: frames of 64x64 do not divide into 3x3 patches"),
            (["bench", "train", "--patch", "0"], "the model settings are invalid: patch is 0"),
            (["bench", "play", "--width", "100", "--frames", "1"], "the model settings are invalid: transformer.heads"),
            (["bench", "kernels", "--seconds", "1e300"], "--seconds must be between 0.01 and 60"),
        ]
        for (arguments, reason) in cases {
            let (status, output) = try run(arguments)
            XCTAssertNotEqual(status, 0, "\(arguments): \(output)")
            XCTAssertTrue(output.contains(reason), "\(arguments): expected \"\(reason)\" in \(output)")
            XCTAssertFalse(output.contains("reading") || output.contains("Fatal error") || output.contains("Stack dump"), "\(arguments): \(output)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/run-bad"), "nothing written")
    }

    func testATraceBeyondTheCommandLinesLimitsIsRefusedBeforeLoading() throws {
        for (key, value, reason) in [("iterations", "1000000", "MaskGIT iterations are 1000000, outside 1…64"),
                                     ("dynamics_window", "1000000000", "the dynamics window is 1000000000 frames, outside 1…1024")] {
            var identity = ["seed": "3", "prompt": "sim-start", "iterations": "8", "temperature": "1.0", "dynamics_window": "16",
                            "decoder_window": "16", "tokenizer": "fnv1a64:0", "dynamics": "fnv1a64:0", "keymap": "none"]
            identity[key] = value
            let trace = Trace(world: .init(kind: "model", identity: identity), frame: .init(width: 8, height: 8), seed: 3,
                              actionNames: ["a", "b"], settings: .init(fps: 10, mode: "step"), recordedFrames: [[0, 0]])
            try trace.write(to: directory + "/trace.json")
            try assertOneLineError(["replay", "trace.json", "--out", "frames", "--weights", "nowhere"], contains: reason)
        }
    }
}

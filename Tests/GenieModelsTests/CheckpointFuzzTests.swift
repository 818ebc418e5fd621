import Foundation
import XCTest
import GenieMedia
@testable import GenieModels
@testable import GenieTensor

/// Every damaged checkpoint of `CheckpointCorpus` gives a clean error in genie's words, or
/// loads with exactly the original weights into a model that runs: never a crash, a hang
/// (each load is timed) or a model with other numbers.
final class CheckpointFuzzTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "genie-ckpt-fuzz-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    /// Loads a checkpoint of `kind` and runs one forward pass; returns its parameters.
    func loadAndRun(_ kind: String, _ path: String) throws -> [String: [UInt32]] {
        let model: Module
        switch kind {
        case "tokenizer":
            let (tokenizer, _) = try Checkpoint.loadTokenizer(path)
            let c = tokenizer.config
            let out = withoutGradient { tokenizer.trainingLoss(randomFrames(1, 2, c.frameHeight, c.frameWidth, seed: 1)) }
            XCTAssertTrue(out.loss.item.isFinite, "\(path): the loaded tokenizer computes \(out.loss.item)")
            model = tokenizer
        case "lam":
            let (lam, _) = try Checkpoint.loadLatentActionModel(path)
            let c = lam.config
            let out = withoutGradient { lam.trainingLoss(randomFrames(1, 3, c.frameHeight, c.frameWidth, seed: 1)) }
            XCTAssertTrue(out.loss.item.isFinite, "\(path): the loaded LAM computes \(out.loss.item)")
            model = lam
        default:
            let (dynamics, _) = try Checkpoint.loadDynamics(path)
            let c = dynamics.config
            let tokens = (0..<(2 * c.tokensPerFrame)).map { Int32($0 % c.codebookSize) }
            let logits = withoutGradient { dynamics.logits(tokens: tokens, actions: [0], batch: 1, frames: 2) }
            XCTAssertTrue(logits.array.allSatisfy(\.isFinite), "\(path): the loaded dynamics model computes non-finite logits")
            model = dynamics
        }
        return Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor.array.map(\.bitPattern)) })
    }

    func testDamagedCheckpointsFailCleanlyOrLoadTheOriginalWeights() throws {
        let originals = Dictionary(uniqueKeysWithValues: try CheckpointCorpus.originals().map { ($0.kind, $0) })
        let cases = try CheckpointCorpus.cases(seed: 16)
        XCTAssertGreaterThanOrEqual(cases.count, 600)
        var errors = 0, sameWeights = 0, garbage = 0, slowest = 0.0
        for (i, c) in cases.enumerated() {
            let path = directory + "/case\(i).safetensors"
            try c.bytes.write(to: URL(fileURLWithPath: path))
            let start = Date()
            do {
                let parameters = try loadAndRun(c.kind, path)
                if parameters == originals[c.kind]!.parameters { sameWeights += 1 } else {
                    garbage += 1
                    XCTFail("\(c.kind), \(c.mutation): loaded with other weights")
                }
            } catch let error as CheckpointError {
                errors += 1
                XCTAssertTrue(error.description.hasPrefix(path), "\(c.mutation): \(error) does not name the file")
            } catch let error as SafeTensorsError {
                errors += 1
                XCTAssertTrue(error.description.contains(path), "\(c.mutation): \(error) does not name the file")
            }
            slowest = max(slowest, Date().timeIntervalSince(start))
        }
        XCTAssertLessThan(slowest, 2, "no case may hang")
        XCTAssertEqual(garbage, 0)
        print("checkpoint fuzz: \(cases.count) cases, \(errors) clean errors, \(sameWeights) loaded the original weights (valid values), \(garbage) silent garbage, 0 crashes, slowest \(String(format: "%.3f", slowest)) s")
    }

    func testNamedHostileValuesGetTheirReasons() throws {
        let original = try CheckpointCorpus.originals()[0]
        let file = try SafeTensorsFile.parse(original.bytes, path: "t")
        let config = try JSONSerialization.jsonObject(with: Data(file.metadata["genie.config"]!.utf8)) as! [String: Any]
        let expectations: [([String], Any, String)] = [
            (["encoder", "heads"], 3, "encoder.heads is 3: a width of 16 does not split into 3 heads of an even size"),
            (["patch"], 0, "patch is 0, outside 1…8"),
            (["encoder", "width"], 1_000_000_000, "encoder.width is 1000000000, outside 2…4096"),
            (["decoder", "depth"], 100_000, "decoder.depth is 100000, outside 1…64"),
            (["codebookSize"], "x", "codebookSize is not a valid Int"),
            (["codebookSize"], 1e30, "genie.config: "),
        ]
        for (path, value, reason) in expectations {
            var edited = config
            CheckpointCorpus.set(&edited, path, value)
            var metadata = file.metadata
            metadata["genie.config"] = CheckpointCorpus.json(edited)
            let target = directory + "/t.safetensors"
            try CheckpointCorpus.rewritten(file, metadata: metadata, checksum: false).write(to: URL(fileURLWithPath: target))
            XCTAssertThrowsError(try Checkpoint.loadTokenizer(target)) { error in
                switch error as? CheckpointError {
                case .badConfig(target, let found)?: XCTAssertTrue(found.hasPrefix(reason) && reason.hasPrefix("genie.config") || found == reason, found)
                case .invalidConfig(target, let found)?: XCTAssertEqual(found, reason)
                default: XCTFail("\(error)")
                }
            }
        }
    }

    /// Spatial attention holds tokens² scores: settings whose frames make more than 4,096
    /// tokens are refused, where a tiny file could otherwise ask for terabytes at its first frame.
    func testTokensPerFrameAreBounded() {
        var tokenizer = TokenizerConfig()
        tokenizer.frameWidth = 1024; tokenizer.frameHeight = 1024; tokenizer.patch = 1
        XCTAssertThrowsError(try tokenizer.validate()) {
            XCTAssertEqual(($0 as? ModelConfigurationError)?.reason, "patch is 1: frames of 1024x1024 make 1048576 tokens, outside 1…4096")
        }
        tokenizer.patch = 16
        XCTAssertNoThrow(try tokenizer.validate())
        var dynamics = DynamicsConfig()
        dynamics.tokensPerFrame = 1 << 20
        XCTAssertThrowsError(try dynamics.validate()) {
            XCTAssertEqual(($0 as? ModelConfigurationError)?.reason, "tokensPerFrame is 1048576, outside 1…4096")
        }
    }

    func testAConfigCountingFewerBlocksThanTheFileHoldsIsRefused() throws {
        let original = try CheckpointCorpus.originals()[0]
        let file = try SafeTensorsFile.parse(original.bytes, path: "t")
        let extra = file.names.filter { $0.contains(".blocks.0.") }.map { ($0.replacingOccurrences(of: ".blocks.0.", with: ".blocks.1."), try! file.tensor($0)) }
        let target = directory + "/t.safetensors"
        try CheckpointCorpus.rewritten(file, tensors: file.names.map { ($0, try! file.tensor($0)) } + extra, checksum: true)
            .write(to: URL(fileURLWithPath: target))
        XCTAssertThrowsError(try Checkpoint.loadTokenizer(target)) { error in
            guard case CheckpointError.wrongSize(target, let parameters, let stored) = error else { return XCTFail("\(error)") }
            XCTAssertLessThan(parameters, stored)
        }
    }

    /// The checkpoints that ship in weights/ pass every check (the LAM with its older keys).
    func testShippedWeightsStillLoad() throws {
        let folder = ProcessInfo.processInfo.environment["GENIE_WEIGHTS"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("weights").path
        guard FileManager.default.fileExists(atPath: folder + "/tokenizer.safetensors") else {
            throw XCTSkip("no weights in \(folder)")
        }
        XCTAssertNoThrow(try Checkpoint.loadTokenizer(folder + "/tokenizer.safetensors"))
        XCTAssertNoThrow(try Checkpoint.loadLatentActionModel(folder + "/lam.safetensors"))
        XCTAssertNoThrow(try Checkpoint.loadDynamics(folder + "/dynamics.safetensors"))
    }

    /// A checkpoint of a retired variant is refused in one line that names the file and
    /// the variant, not reported as unreadable JSON and not loaded as something else.
    func testRetiredVariantsAreRefusedByName() throws {
        let originals = try CheckpointCorpus.originals()
        let edits: [(kind: String, key: String, value: Any, expected: String)] = [
            ("lam", "encoderInput", "frames", #"reads "frames""#),
            ("lam", "decoderHistory", false, "no past frames"),
            ("tokenizer", "normalizedCodes", true, "cosine codes"),
        ]
        for edit in edits {
            let original = try XCTUnwrap(originals.first { $0.kind == edit.kind })
            let path = directory + "/\(edit.kind)-\(edit.key).safetensors"
            try original.bytes.write(to: URL(fileURLWithPath: path))
            let file = try SafeTensorsFile.read(path)
            var config = try JSONSerialization.jsonObject(with: Data(file.metadata["genie.config"]!.utf8)) as! [String: Any]
            config[edit.key] = edit.value
            var metadata = file.metadata
            metadata["genie.config"] = CheckpointCorpus.json(config)
            try CheckpointCorpus.rewritten(file, metadata: metadata, checksum: true).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try loadAndRun(edit.kind, path)) {
                let message = "\($0)"
                XCTAssertTrue(message.contains(path) && message.contains(edit.expected), message)
            }
        }
    }

    func testParameterCountsMatchTheBuiltModels() {
        for (width, depth) in [(8, 1), (16, 3)] {
            let tf = TransformerConfig(width: width, depth: depth, heads: 2, feedForwardMultiple: 3)
            var t = tinyTokenizerConfig(); t.encoder = tf
            XCTAssertEqual(t.parameterCount, VideoTokenizer(t, seed: 1).parameterCount)
            var l = tinyLatentActionConfig(); l.decoder = tf
            XCTAssertEqual(l.parameterCount, LatentActionModel(l, seed: 1).parameterCount)
            var d = tinyDynamicsConfig(); d.transformer = tf
            XCTAssertEqual(d.parameterCount, DynamicsModel(d, seed: 1).parameterCount)
        }
    }

    /// With GENIE_FUZZ_CORPUS=DIR: writes the corpus for Tests/Fuzz/run_corpus.sh, which runs
    /// the built genie on every case in a process of its own (so that a crash or a hang is
    /// counted, not fatal). DIR/checkpoints/<kind>/original.safetensors, case_NNNN.safetensors,
    /// and cases.tsv: number, kind, what this loader does with it (loads or refuses), mutation.
    func testExportCorpusWhenAsked() throws {
        guard let root = ProcessInfo.processInfo.environment["GENIE_FUZZ_CORPUS"] else { throw XCTSkip("set GENIE_FUZZ_CORPUS=DIR to export") }
        let folder = root + "/checkpoints"
        var table = ""
        for original in try CheckpointCorpus.originals() {
            try FileManager.default.createDirectory(atPath: folder + "/" + original.kind, withIntermediateDirectories: true)
            try original.bytes.write(to: URL(fileURLWithPath: folder + "/\(original.kind)/original.safetensors"))
        }
        for (i, c) in try CheckpointCorpus.cases(seed: 16).enumerated() {
            let path = folder + "/\(c.kind)/" + String(format: "case_%04d.safetensors", i)
            try c.bytes.write(to: URL(fileURLWithPath: path))
            let loads = (try? loadAndRun(c.kind, path)) != nil
            table += "\(i)\t\(c.kind)\t\(loads ? "loads" : "refuses")\t\(c.mutation)\n"
        }
        try table.write(toFile: folder + "/cases.tsv", atomically: true, encoding: .utf8)
        var g = RandomGenerator(seed: 5)
        try PNG.write(Frame(width: 8, height: 8, pixels: (0..<192).map { _ in UInt8(g.nextInt(256)) }), to: folder + "/prompt.png")
    }
}

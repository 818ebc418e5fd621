import Foundation
import XCTest
@testable import GenieMedia
@testable import GenieModels
@testable import GenieTensor
@testable import GenieTraining

/// Writes a tiny dataset of moving squares: episode folders of 8x8 PNG frames.
func makeDataset(_ root: String, episodes: Int = 3, frames: Int = 6, size: Int = 8) throws {
    for e in 0..<episodes {
        let folder = root + String(format: "/episode_%05d", e)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var csv = "t,action,class\n"
        for t in 0..<frames {
            var frame = Frame(width: size, height: size, fill: RGB(20, 40, 200))
            let x = (e + t) % (size - 2)
            for dy in 0..<2 { for dx in 0..<2 { frame[x + dx, 3 + dy] = RGB(250, 200, 10) } }
            try PNG.write(frame, to: folder + String(format: "/frame_%05d.png", t))
            if t < frames - 1 { csv += "\(t),\(t % 2),\(t % 2)\n" }
        }
        try csv.write(toFile: folder + "/actions.csv", atomically: true, encoding: .utf8)
    }
}

final class TrainingTests: XCTestCase {
    var directory: String!

    override func setUp() {
        directory = NSTemporaryDirectory() + "genie-train-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    func tinyTokenizer() -> VideoTokenizer {
        var c = TokenizerConfig()
        c.frameHeight = 8; c.frameWidth = 8; c.patch = 4; c.codebookSize = 16; c.codeDimension = 4
        c.encoder = TransformerConfig(width: 16, depth: 1, heads: 2, feedForwardMultiple: 2); c.decoder = c.encoder
        return VideoTokenizer(c, seed: 3)
    }

    func options(steps: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.steps = steps; o.batch = 2; o.clipLength = 3; o.warmupSteps = 2; o.learningRate = 1e-2
        o.checkpointEvery = 1000; o.sampleEvery = 1000; o.logEvery = 1
        return o
    }

    func makeTask(_ data: String) throws -> TokenizerTask {
        var sampler = try ClipSampler(dataset: try VideoDataset(root: data), clipLength: 3, seed: 5)
        sampler.batch = 2
        return TokenizerTask(tokenizer: tinyTokenizer(), sampler: sampler)
    }

    func testResumeIsExact() throws {
        let data = directory + "/data"
        try makeDataset(data)
        // 2N steps straight.
        let straight = try Trainer(task: try makeTask(data), options: options(steps: 8), runDirectory: directory + "/straight")
        try straight.run()
        // N steps, stop, resume in a fresh process state, N more.
        let first = try Trainer(task: try makeTask(data), options: options(steps: 8), runDirectory: directory + "/split")
        try first.run(until: 4)
        let savedCPU = try XCTUnwrap(SafeTensorsFile.read(first.statePath).metadata["cpu_seconds"].flatMap(Double.init))
        XCTAssertGreaterThan(savedCPU, 0)
        let second = try Trainer(task: try makeTask(data), options: options(steps: 8), runDirectory: directory + "/split")
        try second.resume()
        XCTAssertEqual(second.step, 4)
        XCTAssertEqual(second.earlierCPUSeconds, savedCPU, "the CPU time of the run's first piece carries over")
        try second.run()
        let a = try SafeTensorsFile.read(straight.modelPath), b = try SafeTensorsFile.read(second.modelPath)
        XCTAssertEqual(a.names, b.names)
        for name in a.names { XCTAssertEqual(try a.tensor(name).array, try b.tensor(name).array, "\(name) differs after resume") }
        // The log reads as one run of 8 steps.
        let log = try String(contentsOfFile: directory + "/split/tokenizer.log.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(log.count, 1 + 8)
        let cpu = try XCTUnwrap(log[0].split(separator: ",").firstIndex(of: "cpu_seconds"))
        let seconds = log.dropFirst().map { Double($0.split(separator: ",")[cpu])! }
        XCTAssertEqual(seconds, seconds.sorted(), "cpu_seconds counts up through the resume")
        XCTAssertGreaterThan(seconds[4], savedCPU, "after the resume it continues from the first piece's total")
    }

    /// The moving average written beside the model is the average of the weights the run
    /// passed through, step by step, and it resumes exactly, also when --resume adds it.
    func testWeightAverageFollowsTheRunAndResumesExactly() throws {
        let data = directory + "/data"
        try makeDataset(data)
        var averaged = options(steps: 8)
        averaged.emaDecay = 0.5
        // The weights after each step of a plain run, and their average computed by hand.
        let plain = try Trainer(task: try makeTask(data), options: options(steps: 8), runDirectory: directory + "/plain")
        let parameters = plain.task.model.namedParameters()
        func weights() -> [[Float]] { parameters.map(\.tensor.array) }
        var trajectory = [weights()]
        for step in 1...8 { try plain.run(until: step); trajectory.append(weights()) }
        func average(from start: Int) -> [[Float]] {
            var a = trajectory[start]
            for w in trajectory[(start + 1)...] {
                for i in a.indices { for j in a[i].indices { a[i][j] += 0.5 * (w[i][j] - a[i][j]) } }
            }
            return a
        }
        func stored(_ path: String) throws -> [[Float]] {
            let file = try SafeTensorsFile.read(path)
            return try parameters.map { try file.tensor($0.name).array }
        }
        func assertClose(_ a: [[Float]], _ b: [[Float]], _ message: String) {
            for (x, y) in zip(a.joined(), b.joined()) { XCTAssertEqual(x, y, accuracy: 1e-6 * max(1, abs(y)), message) }
        }
        let straight = try Trainer(task: try makeTask(data), options: averaged, runDirectory: directory + "/straight")
        try straight.run()
        XCTAssertEqual(try stored(straight.modelPath), trajectory[8], "the average leaves the training itself alone")
        assertClose(try stored(straight.averagePath), average(from: 0), "the average of the straight run")
        XCTAssertNotEqual(try stored(straight.averagePath), trajectory[8])
        XCTAssertEqual(try SafeTensorsFile.read(straight.averagePath).metadata["ema_since"], "0")
        // Cut in two: the same average, to the bit.
        let first = try Trainer(task: try makeTask(data), options: averaged, runDirectory: directory + "/split")
        try first.run(until: 4)
        let second = try Trainer(task: try makeTask(data), options: averaged, runDirectory: directory + "/split")
        try second.resume()
        try second.run()
        XCTAssertEqual(try stored(second.averagePath), try stored(straight.averagePath))
        // A run without an average, resumed with one: it starts from the resumed weights.
        let without = try Trainer(task: try makeTask(data), options: options(steps: 8), runDirectory: directory + "/added")
        try without.run(until: 4)
        XCTAssertFalse(FileManager.default.fileExists(atPath: without.averagePath))
        let added = try Trainer(task: try makeTask(data), options: averaged, runDirectory: directory + "/added")
        try added.resume()
        XCTAssertEqual(added.averageSince, 4)
        try added.run()
        assertClose(try stored(added.averagePath), average(from: 4), "the average begun at the resume")
        XCTAssertEqual(try SafeTensorsFile.read(added.averagePath).metadata["ema_since"], "4")
    }

    /// --keep-every keeps the model and its average of every Nth step, the same as a run
    /// stopped there wrote; a resume may add it, and keeps the step it resumes at.
    func testKeptModelsAreTheRunsModelsAtThoseSteps() throws {
        let data = directory + "/data"
        try makeDataset(data)
        var keeping = options(steps: 8)
        keeping.emaDecay = 0.5
        keeping.keepEvery = 3
        let straight = try Trainer(task: try makeTask(data), options: keeping, runDirectory: directory + "/keep")
        try straight.run()
        func tensors(_ path: String) throws -> [String: [Float]] {
            let file = try SafeTensorsFile.read(path)
            return Dictionary(uniqueKeysWithValues: try file.names.map { ($0, try file.tensor($0).array) })
        }
        let kept = try FileManager.default.contentsOfDirectory(atPath: directory + "/keep/kept").sorted()
        XCTAssertEqual(kept, ["tokenizer-000003.safetensors", "tokenizer-000006.safetensors",
                              "tokenizer.ema-000003.safetensors", "tokenizer.ema-000006.safetensors"])
        // The same run stopped at step 6 wrote those weights as its model and average.
        var plain = keeping
        plain.keepEvery = nil
        let stopped = try Trainer(task: try makeTask(data), options: plain, runDirectory: directory + "/stopped")
        try stopped.run(until: 6)
        XCTAssertEqual(try tensors(straight.keptPath(step: 6)), try tensors(stopped.modelPath))
        XCTAssertEqual(try tensors(straight.keptPath(step: 6, average: true)), try tensors(stopped.averagePath))
        let third = try SafeTensorsFile.read(straight.keptPath(step: 3)).metadata
        XCTAssertEqual(third["steps"], "3")
        XCTAssertGreaterThan(try XCTUnwrap(third["cpu_seconds"].flatMap(Double.init)), 0)
        // Resumed at step 6 with --keep-every 2 added: step 6 (where it resumed) and 8 are kept.
        var resumed = keeping
        resumed.keepEvery = 2
        let second = try Trainer(task: try makeTask(data), options: resumed, runDirectory: directory + "/stopped")
        try second.resume()
        try second.run()
        XCTAssertEqual(try tensors(second.keptPath(step: 6)), try tensors(straight.keptPath(step: 6)))
        XCTAssertEqual(try tensors(second.keptPath(step: 8)), try tensors(straight.modelPath))
        XCTAssertFalse(FileManager.default.fileExists(atPath: second.keptPath(step: 4)), "step 4 was before the resume")
    }

    /// A saved moving average whose starting step is missing or impossible is refused, not guessed.
    func testADamagedMovingAverageStepIsRefused() throws {
        let data = directory + "/data"
        try makeDataset(data)
        var averaged = options(steps: 4)
        averaged.emaDecay = 0.9
        let first = try Trainer(task: try makeTask(data), options: averaged, runDirectory: directory + "/ema")
        try first.run(until: 2)
        let state = try SafeTensorsFile.read(first.statePath)
        XCTAssertEqual(state.metadata["ema_since"], "0")
        for damaged in [nil, "x", "-1", "3"] {
            var metadata = state.metadata
            metadata["ema_since"] = damaged
            try SafeTensorsFile.write(try state.names.map { ($0, try state.tensor($0)) }, metadata: metadata, to: first.statePath)
            let second = try Trainer(task: try makeTask(data), options: averaged, runDirectory: directory + "/ema")
            XCTAssertThrowsError(try second.resume(), "ema_since \(damaged ?? "missing")") {
                XCTAssertEqual($0 as? TrainingStateError,
                               .incomplete(first.statePath, reason: "its moving average lacks the step it began at"))
            }
        }
    }

    func testADamagedCPUFigureInTheStateIsNotTrusted() throws {
        let data = directory + "/data"
        try makeDataset(data)
        let first = try Trainer(task: try makeTask(data), options: options(steps: 4), runDirectory: directory + "/cpu")
        try first.run(until: 2)
        let state = try SafeTensorsFile.read(first.statePath)
        for damaged in ["nan", "-5", "inf"] {
            var metadata = state.metadata
            metadata["cpu_seconds"] = damaged
            try SafeTensorsFile.write(try state.names.map { ($0, try state.tensor($0)) }, metadata: metadata, to: first.statePath)
            let second = try Trainer(task: try makeTask(data), options: options(steps: 4), runDirectory: directory + "/cpu")
            try second.resume()
            XCTAssertEqual(second.earlierCPUSeconds, 0, "cpu_seconds \(damaged)")
            XCTAssertEqual(second.step, 2)
        }
    }

    func testALogBegunByAnOlderGenieKeepsItsColumns() throws {
        let data = directory + "/data"
        try makeDataset(data)
        let first = try Trainer(task: try makeTask(data), options: options(steps: 6), runDirectory: directory + "/old")
        try first.run(until: 3)
        // An older genie's log: no cpu_seconds column.
        let path = directory + "/old/tokenizer.log.csv"
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let cpu = try XCTUnwrap(rows[0].firstIndex(of: "cpu_seconds"))
        let older = rows.map { row in row.enumerated().filter { $0.offset != cpu }.map(\.element).joined(separator: ",") }
        try (older.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let second = try Trainer(task: try makeTask(data), options: options(steps: 6), runDirectory: directory + "/old")
        try second.resume()
        try second.run()
        let log = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(log.count, 1 + 6)
        XCTAssertEqual(String(log[0]), older[0], "the header stays the older one")
        let widths = Set(log.map { $0.split(separator: ",", omittingEmptySubsequences: false).count })
        XCTAssertEqual(widths, [rows[0].count - 1], "every row fills the older header's columns")
        XCTAssertEqual(Float(log[6].split(separator: ",")[1]).map { $0.isFinite }, true, "the rows after the resume hold the figures")
    }

    /// Training with frozen codes moves the decoder alone: the encoder and codebook (so every
    /// frame's codes) stay bit for bit, the reconstruction improves, and the run resumes
    /// exactly but only as the same kind of run.
    func testFrozenCodesTrainTheDecoderAloneAndResumeExactly() throws {
        let data = directory + "/data"
        try makeDataset(data)
        func frozenTask() throws -> TokenizerTask {
            let task = try makeTask(data)
            return TokenizerTask(tokenizer: task.tokenizer, sampler: task.sampler, codesFrozen: true)
        }
        let task = try frozenTask()
        let frames = ClipSampler.frames(task.sampler.dataset, clips: [(0, 0), (1, 1)], length: 3)
        let codesBefore = task.tokenizer.encode(frames)
        let decoderNames = Set(task.tokenizer.decoderParameters().map(\.name))
        let before = Dictionary(uniqueKeysWithValues: task.tokenizer.namedParameters().map { ($0.name, $0.tensor.array) })
        let errorBefore = withoutGradient { task.tokenizer.trainingLoss(frames).reconstructionError }
        let straight = try Trainer(task: task, options: options(steps: 30), runDirectory: directory + "/straight")
        try straight.run()
        for (name, tensor) in task.tokenizer.namedParameters() {
            if decoderNames.contains(name) { continue }
            XCTAssertEqual(tensor.array, before[name], "\(name) must stay as loaded")
        }
        XCTAssertTrue(task.tokenizer.decoderParameters().contains { $0.tensor.array != before[$0.name] }, "the decoder must learn")
        XCTAssertEqual(task.tokenizer.encode(frames), codesBefore)
        XCTAssertLessThan(withoutGradient { task.tokenizer.trainingLoss(frames).reconstructionError }, errorBefore * 0.8)

        let first = try Trainer(task: try frozenTask(), options: options(steps: 30), runDirectory: directory + "/split")
        try first.run(until: 12)
        XCTAssertThrowsError(try Trainer(task: try makeTask(data), options: options(steps: 30), runDirectory: directory + "/split").resume()) {
            XCTAssertEqual(($0 as? TrainingStateError)?.description.contains("--codes-frozen"), true, "\($0)")
        }
        let second = try Trainer(task: try frozenTask(), options: options(steps: 30), runDirectory: directory + "/split")
        try second.resume()
        try second.run()
        let a = try SafeTensorsFile.read(straight.modelPath), b = try SafeTensorsFile.read(second.modelPath)
        for name in a.names { XCTAssertEqual(try a.tensor(name).array, try b.tensor(name).array, "\(name) differs after resume") }
    }

    /// A tokenizer with more codes starts from a trained one with fewer (a divisor): every
    /// other weight as trained, each code split into copies near it, so it reconstructs as
    /// the trained one did and its codes name the trained one's codes; other settings and
    /// sizes that do not divide are refused.
    func testInitSplitsTheCodebookOfATokenizerWithFewerCodes() throws {
        let data = directory + "/data"
        try makeDataset(data)
        let source = try Trainer(task: try makeTask(data), options: options(steps: 20), runDirectory: directory + "/source")
        try source.run()
        func grownTask(codes: Int, commitment: Float = 0.25) throws -> TokenizerTask {
            var config = (source.task as! TokenizerTask).tokenizer.config
            config.codebookSize = codes
            config.commitment = commitment
            return TokenizerTask(tokenizer: VideoTokenizer(config, seed: 9), sampler: try makeTask(data).sampler)
        }
        let task = try grownTask(codes: 64)
        let grown = try Trainer(task: task, options: options(steps: 20), runDirectory: directory + "/grown")
        try grown.initialize(from: source.modelPath)

        let trained = (source.task as! TokenizerTask).tokenizer
        let trainedWeights = Dictionary(uniqueKeysWithValues: trained.namedParameters().map { ($0.name, $0.tensor.array) })
        for (name, tensor) in task.tokenizer.namedParameters() where name != "quantizer.codebook" {
            XCTAssertEqual(tensor.array, trainedWeights[name], name)
        }
        let parents = trained.quantizer.codebook.array, copies = task.tokenizer.quantizer.codebook.array, d = trained.config.codeDimension
        let rms = (parents.reduce(0) { $0 + $1 * $1 } / Float(parents.count)).squareRoot()
        for k in 0..<64 {
            let parent = Array(parents[(k % 16) * d..<(k % 16 + 1) * d]), copy = Array(copies[k * d..<(k + 1) * d])
            if k < 16 { XCTAssertEqual(copy, parent, "code \(k) keeps its place") ; continue }
            XCTAssertNotEqual(copy, parent, "code \(k) is moved off its parent")
            for j in 0..<d { XCTAssertEqual(copy[j], parent[j], accuracy: 0.1 * rms, "code \(k)") }
        }
        let frames = ClipSampler.frames(task.sampler.dataset, clips: [(0, 0), (1, 1), (2, 2)], length: 3)
        let trainedCodes = trained.encode(frames), grownCodes = task.tokenizer.encode(frames)
        let same = zip(trainedCodes, grownCodes).filter { Int($0) == Int($1) % 16 }.count
        XCTAssertGreaterThanOrEqual(Double(same), 0.9 * Double(trainedCodes.count), "a grown code names its parent")
        let trainedError = withoutGradient { trained.trainingLoss(frames).reconstructionError }
        let grownError = withoutGradient { task.tokenizer.trainingLoss(frames).reconstructionError }
        XCTAssertEqual(grownError, trainedError, accuracy: 0.1 * trainedError)

        for refused in [try grownTask(codes: 40), try grownTask(codes: 64, commitment: 0.5)] {
            let trainer = try Trainer(task: refused, options: options(steps: 20), runDirectory: directory + "/refused")
            XCTAssertThrowsError(try trainer.initialize(from: source.modelPath)) { error in
                XCTAssertTrue("\(error)".contains("was trained with other model settings"), "\(error)")
            }
        }
    }

    /// A dynamics model for a tokenizer grown by splitting codes starts from the one over the
    /// parent codes: on any frames of copies (and mask tokens) its logit for each copy is its
    /// parent's less log(copies), so the copies share the parent's probability.
    func testDynamicsInitSplitsItsCodesAsTheTokenizerDid() throws {
        var small = DynamicsConfig()
        small.tokensPerFrame = 4; small.codebookSize = 8; small.actions = 4
        small.transformer = TransformerConfig(width: 16, depth: 1, heads: 2, feedForwardMultiple: 2)
        let trained = DynamicsModel(small, seed: 5)
        var g = RandomGenerator(seed: 1)
        for i in 0..<8 { trained.head.bias!.data[i] = g.nextNormal() }
        let path = directory + "/small.safetensors"
        try Checkpoint.save(trained, kind: "dynamics", config: small, provenance: [:], to: path)
        func task(codes: Int) throws -> DynamicsTask {
            var config = small
            config.codebookSize = codes
            let data = TokenizedDataset(tokens: [(0..<16).map { Int32($0 % codes) }], actions: [[0, 1, 2]], tokensPerFrame: 4)
            return try DynamicsTask(dynamics: DynamicsModel(config, seed: 7), data: data, tokenizer: tinyTokenizer(), batch: 1, clipLength: 3, dataSeed: 1)
        }
        let grown = try task(codes: 32)
        var generator = RandomGenerator(seed: 2)
        try grown.loadInitialWeights(try SafeTensorsFile.read(path), generator: &generator)

        let (batch, frames) = (2, 3)
        let tokens = (0..<(batch * frames * 4)).map { i in i % 5 == 0 ? grown.dynamics.maskToken : Int32(g.nextInt(32)) }
        let parents = tokens.map { $0 == grown.dynamics.maskToken ? trained.maskToken : $0 % 8 }
        let actions = (0..<(batch * (frames - 1))).map { _ in Int32(g.nextInt(4)) }
        let grownLogits = withoutGradient { grown.dynamics.logits(tokens: tokens, actions: actions, batch: batch, frames: frames) }.array
        let trainedLogits = withoutGradient { trained.logits(tokens: parents, actions: actions, batch: batch, frames: frames) }.array
        XCTAssertEqual(grownLogits.count, trainedLogits.count * 4)
        for position in 0..<(batch * frames * 4) {
            for c in 0..<32 {
                XCTAssertEqual(grownLogits[position * 32 + c], trainedLogits[position * 8 + c % 8] - Float(log(4.0)), accuracy: 1e-4)
            }
        }
        var refused = try task(codes: 20)
        XCTAssertThrowsError(try refused.loadInitialWeights(try SafeTensorsFile.read(path), generator: &generator)) { error in
            XCTAssertTrue("\(error)".contains("was trained with other model settings"), "\(error)")
        }
        refused = try task(codes: 8)
        XCTAssertNoThrow(try refused.loadInitialWeights(try SafeTensorsFile.read(path), generator: &generator))
    }

    func testLossFallsAndCheckpointRoundTripGivesIdenticalOutputs() throws {
        let data = directory + "/data"
        try makeDataset(data)
        let task = try makeTask(data)
        let trainer = try Trainer(task: task, options: options(steps: 60), runDirectory: directory + "/run")
        try trainer.run()
        let log = try String(contentsOfFile: directory + "/run/tokenizer.log.csv", encoding: .utf8).split(separator: "\n")
        let losses = log.dropFirst().map { Float($0.split(separator: ",")[1])! }
        XCTAssertLessThan(losses.suffix(5).reduce(0, +), losses.prefix(5).reduce(0, +) / 2, "loss must fall")
        let (loaded, file) = try Checkpoint.loadTokenizer(trainer.modelPath)
        XCTAssertEqual(loaded.config, task.tokenizer.config)
        XCTAssertEqual(file.metadata["steps"], "60")
        let frames = ClipSampler.frames(task.sampler.dataset, clips: [(0, 0)], length: 3)
        XCTAssertEqual(withoutGradient { loaded.trainingLoss(frames).reconstruction.array },
                       withoutGradient { task.tokenizer.trainingLoss(frames).reconstruction.array })
        XCTAssertEqual(loaded.encode(frames), task.tokenizer.encode(frames))
    }

    func testBadDataFoldersGiveClearErrors() throws {
        XCTAssertThrowsError(try VideoDataset(root: directory + "/missing")) { XCTAssertEqual($0 as? VideoDatasetError, .notFound(directory + "/missing")) }
        try FileManager.default.createDirectory(atPath: directory + "/empty/sub", withIntermediateDirectories: true)
        XCTAssertThrowsError(try VideoDataset(root: directory + "/empty")) { XCTAssertEqual($0 as? VideoDatasetError, .empty(directory + "/empty")) }

        let mixed = directory + "/mixed"
        try makeDataset(mixed, episodes: 1)
        try PNG.write(Frame(width: 16, height: 8), to: mixed + "/episode_00000/frame_00099.png")
        XCTAssertThrowsError(try VideoDataset(root: mixed)) { error in
            XCTAssertEqual(error as? VideoDatasetError, .mixedFrameSizes(mixed + "/episode_00000/frame_00099.png", expected: "8x8", found: "16x8"))
        }
        let other = directory + "/other"
        try makeDataset(other, episodes: 1)
        try "hello".write(toFile: other + "/episode_00000/notes.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try VideoDataset(root: other)) { XCTAssertEqual($0 as? VideoDatasetError, .notPNG(other + "/episode_00000/notes.txt")) }
        let fake = directory + "/fake"
        try makeDataset(fake, episodes: 1)
        try "not a png".write(toFile: fake + "/episode_00000/frame_00000.png", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try VideoDataset(root: fake)) { error in
            guard case .unreadable(let path, _)? = error as? VideoDatasetError else { return XCTFail("\(error)") }
            XCTAssertTrue(path.hasSuffix("frame_00000.png"))
        }
        let short = directory + "/short"
        try makeDataset(short, episodes: 1, frames: 2)
        XCTAssertThrowsError(try ClipSampler(dataset: try VideoDataset(root: short), clipLength: 3, seed: 1)) { error in
            XCTAssertEqual(error as? VideoDatasetError, .episodeTooShort(short, frames: 2, needed: 3))
        }
        XCTAssertEqual(VideoDatasetError.mixedFrameSizes("z", expected: "8x8", found: "16x8").description,
                       "frame z is 16x8 but the dataset's frames are 8x8; all frames must have one size unless a frame size to scale them to is given")
        XCTAssertEqual(VideoDatasetError.episodeTooShort("d", frames: 2, needed: 3).description, "no episode in d has the 3 frames a clip needs (longest: 2)")
    }

    func testActionsAreReadForEvaluation() throws {
        try makeDataset(directory + "/data", episodes: 1, frames: 4)
        let episode = try VideoDataset(root: directory + "/data").episodes[0]
        XCTAssertEqual(episode.actions, [0, 1, 0])
        XCTAssertEqual(episode.actionClasses, [0, 1, 0])
    }

    /// The LAM's labelled transitions: the first N episodes' classes where actions.csv has
    /// them (a press that changed nothing is named as what it looks like), else their
    /// actions; nothing from the other episodes.
    func testLabelledEpisodesLendTheirClassesElseTheirActions() throws {
        let data = directory + "/data"
        try makeDataset(data, episodes: 3, frames: 4)
        try "t,action,class\n0,3,0\n1,1,1\n2,2,0\n".write(toFile: data + "/episode_00000/actions.csv", atomically: true, encoding: .utf8)
        try "t,action\n0,2\n1,3\n2,1\n".write(toFile: data + "/episode_00001/actions.csv", atomically: true, encoding: .utf8)
        var l = LatentActionConfig()
        l.frameHeight = 8; l.frameWidth = 8; l.patch = 4; l.actions = 4; l.latentDimension = 4; l.labelledActions = 4
        l.encoder = TransformerConfig(width: 16, depth: 1, heads: 2, feedForwardMultiple: 2); l.decoder = l.encoder
        let task = LatentActionTask(lam: LatentActionModel(l, seed: 4), sampler: try ClipSampler(dataset: try VideoDataset(root: data), clipLength: 3, seed: 1),
                                    labelledEpisodes: 2)
        let labels = try XCTUnwrap(task.transitionLabels([(0, 1), (1, 0), (2, 0)], transitions: 2))
        XCTAssertEqual(labels.mask, [true, true, true, true, false, false])
        XCTAssertEqual(Array(labels.targets.prefix(4)), [1, 0, 2, 3])
        XCTAssertEqual(labels.batchCount, 4)
    }

    func testMismatchedCheckpointsGiveClearErrors() throws {
        let tokenizer = tinyTokenizer()
        let path = directory + "/tok.safetensors"
        try Checkpoint.save(tokenizer, kind: "tokenizer", config: tokenizer.config, to: path)
        XCTAssertThrowsError(try Checkpoint.loadLatentActionModel(path)) {
            XCTAssertEqual($0 as? CheckpointError, .wrongKind(path, expected: "lam", found: "tokenizer"))
        }
        // Same kind, other configuration: the stored config's model has more parameters than
        // the file holds (found before that model is built).
        var other = tokenizer.config
        other.codebookSize = 32
        let bad = directory + "/bad.safetensors"
        try SafeTensorsFile.write(tokenizer.namedParameters(), metadata: ["genie.kind": "tokenizer",
            "genie.config": String(decoding: try JSONEncoder().encode(other), as: UTF8.self)], to: bad)
        XCTAssertThrowsError(try Checkpoint.loadTokenizer(bad)) { error in
            XCTAssertEqual(error as? CheckpointError, .wrongSize(bad, parameters: other.parameterCount, stored: tokenizer.parameterCount))
        }
        // Truncated checkpoint.
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: directory + "/half.safetensors"))
        XCTAssertThrowsError(try Checkpoint.loadTokenizer(directory + "/half.safetensors")) { XCTAssertTrue($0 is SafeTensorsError) }
    }

    /// Tokenising stopped after some episodes and continued from what it kept (saved and read
    /// back) gives the codes and actions of one uninterrupted build; a kept prefix whose frame
    /// counts do not match the data is not trusted.
    func testTokenisingStoppedAndContinuedGivesTheWholeBuild() throws {
        let data = directory + "/data"
        try makeDataset(data, episodes: 4, frames: 5)
        let dataset = try VideoDataset(root: data)
        var l = LatentActionConfig()
        l.frameHeight = 8; l.frameWidth = 8; l.patch = 4; l.actions = 4; l.latentDimension = 4
        l.encoder = TransformerConfig(width: 16, depth: 1, heads: 2, feedForwardMultiple: 2); l.decoder = l.encoder
        let (tokenizer, lam) = (tinyTokenizer(), LatentActionModel(l, seed: 4))
        let whole = TokenizedDataset.build(dataset: dataset, tokenizer: tokenizer, lam: lam, window: 3)
        XCTAssertEqual(whole.tokens.count, 4)
        var seen: [Int] = []
        let stopped = TokenizedDataset.build(dataset: dataset, tokenizer: tokenizer, lam: lam, window: 3) { soFar in
            seen.append(soFar.tokens.count)
            return soFar.tokens.count < 2
        }
        XCTAssertEqual(seen, [1, 2])
        XCTAssertEqual(stopped.tokens, Array(whole.tokens.prefix(2)))
        let path = directory + "/tokens.partial.safetensors"
        try stopped.save(to: path, key: "k")
        let kept = try XCTUnwrap(TokenizedDataset.load(from: path, key: "k", tokensPerFrame: 4, codebookSize: 16, actionCount: 4))
        var continued: [Int] = []
        let resumed = TokenizedDataset.build(dataset: dataset, tokenizer: tokenizer, lam: lam, window: 3, continuing: kept) {
            continued.append($0.tokens.count); return true
        }
        XCTAssertEqual(continued, [3, 4], "the kept episodes are not encoded again")
        XCTAssertEqual(resumed.tokens, whole.tokens)
        XCTAssertEqual(resumed.actions, whole.actions)
        let foreign = TokenizedDataset(tokens: [Array(whole.tokens[0].prefix(8))], actions: [[0]], tokensPerFrame: 4)
        XCTAssertEqual(TokenizedDataset.build(dataset: dataset, tokenizer: tokenizer, lam: lam, window: 3, continuing: foreign).tokens,
                       whole.tokens, "a prefix of other frame counts is rebuilt")
    }

    /// The token cache is rebuilt, never trusted, when what it holds is not what the frozen
    /// networks make: codes beyond the codebook, actions beyond the LAM's, counts that do not fit.
    func testATokenCacheHoldingWhatTheNetworksCannotMakeIsRebuilt() throws {
        let path = directory + "/tokens.safetensors"
        func saved(_ tokens: [Int32], _ actions: [Int32]) throws -> TokenizedDataset? {
            try TokenizedDataset(tokens: [tokens], actions: [actions], tokensPerFrame: 4).save(to: path, key: "k")
            return TokenizedDataset.load(from: path, key: "k", tokensPerFrame: 4, codebookSize: 8, actionCount: 4)
        }
        let tokens: [Int32] = (0..<12).map { Int32($0 % 8) }
        let good = try XCTUnwrap(try saved(tokens, [0, 3]))
        XCTAssertEqual(good.tokens, [tokens]); XCTAssertEqual(good.actions, [[0, 3]])
        XCTAssertNil(TokenizedDataset.load(from: path, key: "other", tokensPerFrame: 4, codebookSize: 8, actionCount: 4))
        XCTAssertNil(TokenizedDataset.load(from: path, key: "k", tokensPerFrame: 2, codebookSize: 8, actionCount: 4))
        XCTAssertNil(try saved(tokens.map { $0 == 7 ? 8 : $0 }, [0, 3]), "a code beyond the codebook")
        XCTAssertNil(try saved(tokens.map { $0 == 7 ? -1 : $0 }, [0, 3]), "a negative code")
        XCTAssertNil(try saved(tokens, [0, 4]), "an action beyond the LAM's")
        XCTAssertNil(try saved(tokens, [0]), "one action short")
        XCTAssertNil(try saved(Array(tokens.prefix(10)), [0, 3]), "not whole frames")
    }

    /// A resumed state whose code idle counters no run could reach is refused, not counted on from.
    func testAnIdleCounterBeyondAnyRunIsRefusedOnResume() throws {
        try makeDataset(directory + "/data", episodes: 1, frames: 4)
        var sampler = try ClipSampler(dataset: try VideoDataset(root: directory + "/data"), clipLength: 3, seed: 1)
        var generator = RandomGenerator(seed: 1)
        let quantizer = VectorQuantizer(codes: 2, dimension: 2, generator: &generator)
        var state = samplerAndCodesState(sampler, quantizer)
        XCTAssertNoThrow(try restoreSamplerAndCodes(state, sampler: &sampler, quantizer: quantizer))
        state["idle"] = "0,\(Int.max)"
        XCTAssertThrowsError(try restoreSamplerAndCodes(state, sampler: &sampler, quantizer: quantizer))
        state["idle"] = "0,-1"
        XCTAssertThrowsError(try restoreSamplerAndCodes(state, sampler: &sampler, quantizer: quantizer))
    }
}

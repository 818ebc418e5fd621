import Foundation
import GenieMedia
import GenieModels
import GenieSupport
import GenieTensor

/// Settings of one training run; saved with its state so that `--resume` continues the
/// same run.
public struct TrainingOptions: Codable, Sendable, Equatable {
    public var steps = 5000
    public var batch = 8
    public var clipLength = 16
    public var learningRate: Float = 3e-4
    public var warmupSteps = 200
    public var weightDecay: Float = 0.01
    public var gradientClip: Float = 1.0
    public var checkpointEvery = 250
    public var sampleEvery = 250
    public var logEvery = 10
    /// Seeds initialisation, masking and restarts.
    public var seed: UInt64 = 1
    /// Seeds the order of clips.
    public var dataSeed: UInt64 = 2
    /// With a value, the run also keeps an exponential moving average of the weights with
    /// this decay and writes it beside the model as `<kind>.ema.safetensors`.
    public var emaDecay: Float?
    /// With a value, the model (and its moving average) of every Nth step (from step N) is
    /// also kept in `kept/` of the run folder: the points of a curve, scored later without a
    /// watcher.
    public var keepEvery: Int?
    public init() {}
}

/// What the trainer needs from one network: a loss on the next batch, a hook after each
/// update, a picture of how it is doing, and the state that exact resumption needs.
public protocol TrainingTask: AnyObject {
    var kind: String { get }
    var model: Module { get }
    /// The weights the optimiser updates; the rest of the model stays as loaded.
    var trainedParameters: [(name: String, tensor: Tensor)] { get }
    /// The ranks training together (`SingleProcess` by default): the task computes this
    /// rank's share of each global batch, and its loss is that share's contribution to the
    /// global batch's loss.
    var group: ProcessGroup { get set }
    associatedtype Configuration: Codable
    /// The model's configuration, as its checkpoint stores it.
    var configuration: Configuration { get }
    /// Forward on the next batch: the loss to back-propagate and figures for the log.
    func loss(generator: inout RandomGenerator) -> (loss: Tensor, figures: [(String, Float)])
    /// Runs after the optimiser update (dead-code restarts).
    func afterUpdate(generator: inout RandomGenerator) -> [(String, Float)]
    /// A grid of real and predicted frames.
    func sampleGrid() -> Frame
    /// Everything besides weights and optimiser that resumption needs, as strings.
    func state() -> [String: String]
    func restore(_ state: [String: String]) throws
    /// Loads the weights of `--init` (a finished checkpoint of this kind, read and checked
    /// for its kind); refuses other model settings unless the task can grow from them.
    func loadInitialWeights(_ file: SafeTensorsFile, generator: inout RandomGenerator) throws
}

extension TrainingTask {
    public var trainedParameters: [(name: String, tensor: Tensor)] { model.namedParameters() }

    /// Whether a checkpoint's stored configuration describes this task's model.
    func configMatches(_ savedText: String) -> Bool { Checkpoint.config(configuration, matches: savedText) }

    public func loadInitialWeights(_ file: SafeTensorsFile, generator: inout RandomGenerator) throws {
        try loadWeightsOfTheSameSettings(file)
    }

    /// The codebook size of `file`'s model where it differs from `config` only in having
    /// fewer codes, a divisor of this one's: a model a codebook split can grow from.
    func parentCodes<Config: Codable & Equatable>(in file: SafeTensorsFile, config: Config, codes: WritableKeyPath<Config, Int>) -> Int? {
        guard let text = file.metadata["genie.config"], !configMatches(text),
              var smaller = try? JSONDecoder().decode(Config.self, from: Data(text.utf8)) else { return nil }
        let parents = smaller[keyPath: codes], wanted = config[keyPath: codes]
        guard parents > 0, parents < wanted, wanted % parents == 0 else { return nil }
        smaller[keyPath: codes] = wanted
        return smaller == config ? parents : nil
    }

    func loadWeightsOfTheSameSettings(_ file: SafeTensorsFile) throws {
        guard let saved = file.metadata["genie.config"], configMatches(saved) else {
            throw CheckpointError.mismatched("--init \(file.path) was trained with other model settings: \(file.metadata["genie.config"] ?? "none stored")")
        }
        try Checkpoint.loadWeights(model, from: file)
    }

    /// Saves the model checkpoint (weights + config + provenance).
    func saveModel(to path: String, provenance: [String: String]) throws {
        try Checkpoint.save(model, kind: kind, config: configuration, provenance: provenance, to: path)
    }
}

/// The training loop shared by the three networks: AdamW with warm-up and cosine decay,
/// gradient clipping, a progress bar, a CSV log, sample grids, and atomic checkpoints
/// (every N steps and on Ctrl-C) from which `--resume` continues exactly.
public final class Trainer {
    public let task: any TrainingTask
    public let options: TrainingOptions
    public let runDirectory: String
    public let optimizer: AdamW
    public var generator: RandomGenerator
    public var provenance: [String: String]
    /// Shows progress; `nil` for silence (tests).
    public var progress: ProgressBar?
    /// CPU seconds the run used in its earlier pieces (before the last `--resume`); this
    /// process's own CPU time adds to it in the log's `cpu_seconds`.
    public private(set) var earlierCPUSeconds: Double = 0
    public var cpuSeconds: Double { earlierCPUSeconds + ProcessCPU.seconds() }
    /// The moving average of the weights (with `options.emaDecay`), and the step it began at.
    public private(set) var average: ParameterAverage?
    public private(set) var averageSince = 0
    /// The task's ranks; rank 0 alone writes files and progress.
    var group: ProcessGroup { task.group }

    public var modelPath: String { runDirectory + "/\(task.kind).safetensors" }
    public var statePath: String { runDirectory + "/\(task.kind).state.safetensors" }
    public var averagePath: String { runDirectory + "/\(task.kind).ema.safetensors" }
    /// Where `options.keepEvery` keeps the model (or its moving average) of `step`.
    public func keptPath(step: Int, average: Bool = false) -> String {
        runDirectory + "/kept/\(task.kind)\(average ? ".ema" : "")-\(String(format: "%06d", step)).safetensors"
    }
    var logPath: String { runDirectory + "/\(task.kind).log.csv" }

    public init(task: any TrainingTask, options: TrainingOptions, runDirectory: String, provenance: [String: String] = [:]) throws {
        self.task = task
        self.options = options
        self.runDirectory = runDirectory
        self.provenance = provenance
        let named = task.trainedParameters
        // Matrices decay; gains, biases, embeddings, positions and codebooks do not.
        let decays = named.map { $0.tensor.rank == 2 && $0.name.hasSuffix("weight") }
        optimizer = AdamW(parameters: named.map(\.tensor), learningRate: options.learningRate, weightDecay: options.weightDecay, decays: decays)
        generator = RandomGenerator(seed: options.seed &* 0x9E37_79B9 &+ 17)
        precondition(options.checkpointEvery >= 1 && (options.keepEvery ?? 1) >= 1, "checkpoint and keep intervals must be at least 1")
        try group.share.validate(batch: options.batch)
        if group.isRoot { try Folder.create(runDirectory + "/samples") }
    }

    public var step: Int { optimizer.step }

    /// The prefixes of the model's weights and of their moving average inside the training state.
    static let weightPrefix = "model.", averagePrefix = "ema."

    /// Continues from the state saved in the run folder. The state file holds the weights
    /// with the optimiser state, so the two can never be of different steps; a state file
    /// of an older genie (without weights) is used only with a model file of its step.
    public func resume() throws {
        guard FileManager.default.fileExists(atPath: statePath) else { throw TrainingStateError.nothingToResume(runDirectory, kind: task.kind) }
        let state = try SafeTensorsFile.read(statePath)
        guard let stepText = state.metadata["step"], let savedStep = Int(stepText), savedStep >= 0,
              let restoredGenerator = RandomGenerator(stateText: state.metadata["rng"] ?? "") else {
            throw TrainingStateError.incomplete(statePath, reason: "it lacks the step or the random state")
        }
        // Weights of the same shapes can belong to another model (another commitment or mask
        // rate): the run's model file names the settings it was started with.
        let modelFile = FileManager.default.fileExists(atPath: modelPath) ? try SafeTensorsFile.read(modelPath) : nil
        if let saved = modelFile?.metadata["genie.config"], !task.configMatches(saved) {
            throw CheckpointError.mismatched("--resume with model settings other than the run's (\(modelPath)): \(saved)")
        }
        if state.names.contains(where: { $0.hasPrefix(Self.weightPrefix) }) {
            try Checkpoint.loadWeights(task.model, from: state, prefix: Self.weightPrefix)
        } else {
            let model = try modelFile ?? SafeTensorsFile.read(modelPath)
            guard model.metadata["steps"] == stepText else {
                throw TrainingStateError.torn(modelPath, modelStep: model.metadata["steps"] ?? "unknown", statePath: statePath, stateStep: savedStep)
            }
            try Checkpoint.loadWeights(task.model, from: model)
        }
        // The task's own state first: it says whether the run trained what this task trains.
        try task.restore(state.metadata)
        let named = task.trainedParameters
        let first = try named.map { try Checkpoint.storedParameter("adam.m.\($0.name)", shape: $0.tensor.shape, in: state).0 }
        let second = try named.map { try Checkpoint.storedParameter("adam.v.\($0.name)", shape: $0.tensor.shape, in: state).0 }
        if let saved = state.metadata["options"], let decoded = try? JSONDecoder().decode(TrainingOptions.self, from: Data(saved.utf8)), decoded != options {
            // Same run, other settings: allowed for the length, the averaging and the copies kept only.
            var a = decoded, b = options
            (a.steps, b.steps, a.emaDecay, b.emaDecay, a.keepEvery, b.keepEvery) = (0, 0, nil, nil, nil, nil)
            if a != b { throw CheckpointError.mismatched("--resume with settings other than the run's (\(statePath)); only --steps, --ema-decay and --keep-every may change") }
        }
        optimizer.restore(step: savedStep, firstMoments: first, secondMoments: second)
        average = nil
        if let decay = options.emaDecay {
            // A run that kept no average (or an older genie's) starts one from the resumed weights.
            let started = ParameterAverage(parameters: optimizer.parameters, decay: decay)
            if state.names.contains(where: { $0.hasPrefix(Self.averagePrefix) }) {
                started.restore(try named.map { try Checkpoint.storedParameter(Self.averagePrefix + $0.name, shape: $0.tensor.shape, in: state).0 })
                guard let since = state.metadata["ema_since"].flatMap(Int.init), (0...savedStep).contains(since) else {
                    throw TrainingStateError.incomplete(statePath, reason: "its moving average lacks the step it began at")
                }
                averageSince = since
            } else {
                averageSince = savedStep
            }
            average = started
        }
        generator = restoredGenerator
        // A damaged figure ("nan", a negative) is not trusted: the count restarts at 0.
        if let saved = state.metadata["cpu_seconds"].flatMap(Double.init), saved.isFinite, saved >= 0 {
            earlierCPUSeconds = saved
        }
        if group.isRoot { trimLog(after: savedStep) }
    }

    /// The checkpoint `--init` names, if it is readable and holds a model of `kind`; checked
    /// before the data is read, so that a wrong path fails at once.
    public static func initialWeights(_ path: String, kind: String) throws -> SafeTensorsFile {
        let file = try SafeTensorsFile.read(path)
        try Checkpoint.checkKind(file, kind)
        return file
    }

    /// Starts the run from the weights of a finished model checkpoint of the same kind and
    /// settings (fine-tuning; a tokenizer, and the dynamics model on its codes, may also grow
    /// from one with fewer codes); the optimiser, the schedule and the step start afresh.
    public func initialize(from path: String) throws {
        let file = try Self.initialWeights(path, kind: task.kind)
        try task.loadInitialWeights(file, generator: &generator)
        provenance["init"] = path
        if let steps = file.metadata["steps"] { provenance["init_steps"] = steps }
    }

    /// Writes the training state (weights, optimiser moments, random states: everything a
    /// resume needs, as one atomic file), then the model checkpoint that play and eval read.
    /// A kill between the two leaves a model file one checkpoint behind, which the next
    /// checkpoint replaces; the state is always whole.
    public func saveCheckpoint() throws {
        // Every rank holds the same state; one copy is written.
        guard group.isRoot else { return }
        var tensors = task.model.namedParameters().map { (name: Self.weightPrefix + $0.name, tensor: $0.tensor) }
        for (i, p) in task.trainedParameters.enumerated() {
            tensors.append(("adam.m.\(p.name)", optimizer.firstMoments[i]))
            tensors.append(("adam.v.\(p.name)", optimizer.secondMoments[i]))
            if let average { tensors.append((Self.averagePrefix + p.name, average.averages[i])) }
        }
        var metadata = task.state()
        if average != nil { metadata["ema_since"] = String(averageSince) }
        metadata["step"] = String(step)
        metadata["rng"] = generator.stateText
        metadata["cpu_seconds"] = String(cpuSeconds)
        metadata["options"] = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        try SafeTensorsFile.write(tensors, metadata: metadata, to: statePath)
        var info = provenance
        info["steps"] = String(step)
        info["cpu_seconds"] = String(format: "%.1f", cpuSeconds)
        try task.saveModel(to: modelPath, provenance: info)
        if let average {
            info["ema_decay"] = String(average.decay)
            info["ema_since"] = String(averageSince)
            try average.withAveragesInPlace { try task.saveModel(to: averagePath, provenance: info) }
        }
        if isKeptStep {
            try Folder.create(runDirectory + "/kept")
            try AtomicFile.write(try Data(contentsOf: URL(fileURLWithPath: modelPath)), to: keptPath(step: step))
            if average != nil { try AtomicFile.write(try Data(contentsOf: URL(fileURLWithPath: averagePath)), to: keptPath(step: step, average: true)) }
        }
    }

    /// Whether this step's model is one `options.keepEvery` keeps.
    var isKeptStep: Bool { step > 0 && options.keepEvery.map { step % $0 == 0 } == true }

    /// Runs until `options.steps`, or until step `until` if given (the schedule still spans
    /// the whole run, so a run cut into pieces equals one straight run), or a stop request.
    /// Returns the mean loss of the last logged window.
    @discardableResult
    public func run(until: Int? = nil) throws -> Float {
        let last = min(until ?? options.steps, options.steps)
        let schedule = LearningRateSchedule(peak: options.learningRate, warmupSteps: options.warmupSteps, totalSteps: options.steps)
        var window: [Float] = []
        var lastMean: Float = .nan
        if average == nil, let decay = options.emaDecay {
            average = ParameterAverage(parameters: optimizer.parameters, decay: decay)
            averageSince = step
        }
        // A run resumed on a step to keep (killed before its copy, or --keep-every added) keeps it now.
        if group.isRoot, isKeptStep, !FileManager.default.fileExists(atPath: keptPath(step: step)) { try saveCheckpoint() }
        while step < last {
            // Ctrl-C / SIGTERM (when StopSignal is installed): stop here, with a checkpoint;
            // a signal to any rank stops all of them before the same step.
            if group.anyRank(StopSignal.received != nil) { break }
            optimizer.zeroGradients()
            let (loss, figures) = task.loss(generator: &generator)
            loss.backward()
            allreduceGradients(optimizer.parameters, over: group)
            let norm = clipGradientNorm(optimizer.parameters, maxNorm: options.gradientClip)
            optimizer.learningRate = schedule.rate(at: step + 1)
            optimizer.update()
            let after = task.afterUpdate(generator: &generator)
            average?.update()
            window.append(group.size > 1 ? Float(group.allreduceSum([Double(loss.item)])[0]) : loss.item)
            guard group.isRoot else { continue }
            if step % options.logEvery == 0 || step == options.steps {
                lastMean = window.reduce(0, +) / Float(window.count)
                window.removeAll()
                let columns = [("step", Float(step)), ("loss", lastMean), ("grad_norm", norm), ("lr", optimizer.learningRate)] + figures + after
                    + [("cpu_seconds", Float(cpuSeconds))]
                appendLog(columns)
                progress?.update(step, of: options.steps,
                                 detail: "loss \(String(format: "%.4f", lastMean)) " + figures.map { "\($0.0) \(String(format: "%.3g", $0.1))" }.joined(separator: " "))
            }
            if step % options.sampleEvery == 0 {
                try PNG.write(task.sampleGrid(), to: runDirectory + "/samples/\(task.kind)_step\(String(format: "%06d", step)).png")
            }
            if step % options.checkpointEvery == 0 || isKeptStep { try saveCheckpoint() }
        }
        try saveCheckpoint()
        progress?.finish(step < last
            ? "stopped at step \(step) of \(options.steps); checkpoint written (continue with --resume)"
            : "finished \(step) steps")
        return lastMean
    }

    /// Appends one row. A log begun by an older genie keeps its header: the row fills that
    /// header's columns (empty where a figure is new), so the file stays one table.
    func appendLog(_ columns: [(String, Float)]) {
        if !FileManager.default.fileExists(atPath: logPath) {
            let header = columns.map(\.0).joined(separator: ",")
            _ = FileManager.default.createFile(atPath: logPath, contents: Data((header + "\n").utf8))
        }
        let names = logHeader()
        let values = Dictionary(columns, uniquingKeysWith: { first, _ in first })
        let row = names.map { name in
            values[name].map { name == "step" ? String(Int($0)) : String($0) } ?? ""
        }.joined(separator: ",")
        if let handle = FileHandle(forWritingAtPath: logPath) {
            handle.seekToEndOfFile()
            handle.write(Data((row + "\n").utf8))
            try? handle.close()
        }
    }

    /// The column names of the log's first line.
    func logHeader() -> [String] {
        guard let handle = FileHandle(forReadingAtPath: logPath) else { return [] }
        defer { try? handle.close() }
        let head = handle.readData(ofLength: 4096)
        let line = String(decoding: head.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        return line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }

    /// Drops log rows past the resumed step, so the log reads as one straight run.
    func trimLog(after savedStep: Int) {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return }
        var lines = text.split(separator: "\n").map(String.init)
        guard !lines.isEmpty else { return }
        let header = lines.removeFirst()
        // A kill while a row was appended leaves it cut short: keep whole rows only.
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).count
        let kept = lines.filter {
            let fields = $0.split(separator: ",", omittingEmptySubsequences: false)
            return fields.count == columns && (Int(fields[0]) ?? .max) <= savedStep
        }
        try? ([header] + kept).joined(separator: "\n").appending("\n").write(toFile: logPath, atomically: true, encoding: .utf8)
    }
}

/// Why a run cannot be resumed.
public enum TrainingStateError: Error, Equatable, CustomStringConvertible {
    case nothingToResume(String, kind: String)
    case incomplete(String, reason: String)
    case torn(String, modelStep: String, statePath: String, stateStep: Int)
    /// The run trained other parts of its model than this command would.
    case otherParts(String)

    public var description: String {
        switch self {
        case .nothingToResume(let d, let k): return "nothing to resume in \(d): it holds no \(k) training state (\(k).state.safetensors)"
                + (k == "dynamics" ? "; without --resume the run starts, and goes on from any tokenising it kept" : "")
        case .incomplete(let p, let r): return "cannot resume from \(p): \(r)"
        case .torn(let m, let ms, let s, let ss):
            return "cannot resume: \(m) is at step \(ms) but \(s) at step \(ss) (a training killed between writing the two); start the run again"
        case .otherParts(let r): return "cannot resume: \(r)"
        }
    }
}

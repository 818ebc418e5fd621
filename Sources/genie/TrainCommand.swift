import ArgumentParser
import Foundation
import GenieMedia
import GenieModels
import GenieWorld
import GenieSupport
import GenieTensor
import GenieTraining

/// `genie train tokenizer|lam|dynamics`.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the video tokenizer, the latent action model or the dynamics model on folders of PNG frames.",
        discussion: """
        Each run lives in its own folder (--out): the model checkpoint (<kind>.safetensors), the \
        training state for --resume (<kind>.state.safetensors), a CSV log and sample grids. \
        Ctrl-C writes a checkpoint and stops; --resume continues exactly where it stopped. \
        In a build with MPI, `mpirun -np N genie train …` trains data-parallel: --batch is the \
        global batch, split evenly over the N ranks (docs/distributed.md).
        """,
        subcommands: [TrainTokenizer.self, TrainLatentActions.self, TrainDynamics.self])
}

/// Options every trainer takes.
struct CommonTrainingOptions: ParsableArguments {
    @Option(help: "Folder of videos: every folder below it holding PNG frames is one episode.")
    var data: String
    @Option(help: "Run folder for checkpoints, logs and samples.")
    var out: String
    @Option(help: "Total optimiser steps of the run.") var steps = 5000
    @Option(help: "Clips per batch.") var batch = 8
    @Option(help: "Frames per clip.") var clip = 16
    @Option(name: .customLong("lr"), help: "Peak learning rate.") var learningRate: Float = 3e-4
    @Option(help: "Linear warm-up steps.") var warmup = 200
    @Option(help: "Decoupled weight decay of weight matrices.") var weightDecay: Float = 0.01
    @Option(help: "Seed of initialisation, masking and code restarts.") var seed: UInt64 = 1
    @Option(help: "Seed of the clip order.") var dataSeed: UInt64 = 2
    @Option(help: "Write a checkpoint every N steps.") var checkpointEvery = 250
    @Option(help: "Write a sample grid every N steps.") var sampleEvery = 250
    @Option(help: ArgumentHelp("Also keep the model of every Nth step in <out>/kept/ as <kind>-<step>.safetensors (step in 6 digits; with --ema-decay also <kind>.ema-<step>.safetensors): the points of a learning curve for genie eval, each with the run's cpu_seconds in its metadata. Each kept step also writes a checkpoint and adds the model's size on disk. May be added or changed on --resume.", valueName: "N"))
    var keepEvery: Int?
    @Option(help: "Use at most this many episodes.") var maxEpisodes: Int?
    @Option(help: ArgumentHelp("Frame size of the model, WxH (default: 64x64; dynamics: the tokenizer's). Frames of any other size are centre-cropped to this aspect (not letterboxed) and area-averaged to it.", valueName: "WxH"))
    var frameSize: String?
    @Option(help: "Stop (with a checkpoint) after this step, keeping the schedule of --steps; continue later with --resume.")
    var until: Int?
    @Flag(help: "Continue the run in --out from its last checkpoint.") var resume = false
    @Option(help: ArgumentHelp("Also keep an exponential moving average of the weights with this decay (e.g. 0.999: about the last 1,000 steps) and write it at each checkpoint as <kind>.ema.safetensors, a model like the other; may be added to a run on --resume (the average then starts from the resumed weights).", valueName: "decay"))
    var emaDecay: Float?
    @Option(name: .customLong("init"), help: ArgumentHelp("Start from the weights of this model checkpoint (same kind and model settings) with a fresh optimiser and schedule: fine-tuning. A tokenizer may start from one with fewer codes (a divisor of --codes, settings otherwise the same): each of its codes is split into copies; a dynamics model for such a tokenizer may start from the one over its parent codes. Not read with --resume, whose checkpoint holds the run's weights.", valueName: "checkpoint"))
    var initialWeights: String?

    func validate() throws {
        guard steps > 0, batch > 0, clip >= 2 else { throw ValidationError("--steps and --batch must be positive and --clip at least 2") }
        // A batch's frames are held in memory at once: bounds no machine would train beyond.
        guard batch <= 4096, clip <= 1024 else { throw ValidationError("--batch must be at most 4096 and --clip at most 1024") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--lr must be positive") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw ValidationError("--weight-decay must be at least 0") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be at least 0") }
        guard checkpointEvery >= 1, sampleEvery >= 1 else { throw ValidationError("--checkpoint-every and --sample-every must be at least 1") }
        if let maxEpisodes, maxEpisodes < 1 { throw ValidationError("--max-episodes must be at least 1") }
        if let keepEvery, keepEvery < 1 { throw ValidationError("--keep-every must be at least 1") }
        if let until, until < 0 { throw ValidationError("--until must be at least 0 (0: the starting weights alone)") }
        if let emaDecay, !(emaDecay >= 0 && emaDecay < 1) { throw ValidationError("--ema-decay must be at least 0 and below 1, got \(emaDecay)") }
        if let frameSize, FrameSize(parsing: frameSize) == nil {
            throw ValidationError("--frame-size must be WxH or N with sides 1...\(FrameSize.maximumSide), e.g. 64x64")
        }
    }

    /// The size frames are brought to: --frame-size, else `modelSize`, else 64x64.
    func targetFrameSize(model modelSize: FrameSize? = nil) throws -> FrameSize {
        guard let frameSize else { return modelSize ?? FrameSize(width: 64, height: 64) }
        let parsed = FrameSize(parsing: frameSize)!
        if let modelSize, parsed != modelSize {
            throw ValidationError("--frame-size \(parsed) differs from the \(modelSize) frames of the frozen models")
        }
        return parsed
    }

    var options: TrainingOptions {
        var o = TrainingOptions()
        o.steps = steps; o.batch = batch; o.clipLength = clip; o.learningRate = learningRate
        o.warmupSteps = warmup; o.weightDecay = weightDecay; o.seed = seed; o.dataSeed = dataSeed
        o.checkpointEvery = checkpointEvery; o.sampleEvery = sampleEvery; o.emaDecay = emaDecay; o.keepEvery = keepEvery
        return o
    }

    func loadData(modelFrameSize: FrameSize? = nil) throws -> ClipSampler {
        let size = try targetFrameSize(model: modelFrameSize)
        Distributed.say("reading \(data)…")
        let dataset = try VideoDataset(root: data, maxEpisodes: maxEpisodes, frameSize: size)
        Distributed.say("\(dataset.episodes.count) episodes, \(dataset.frameCount) frames of \(dataset.frameWidth)x\(dataset.frameHeight)")
        var sampler = try ClipSampler(dataset: dataset, clipLength: clip, seed: dataSeed)
        sampler.batch = batch
        return sampler
    }

    /// The lock of the run being written, held until the process ends.
    nonisolated(unsafe) private static var runLock: RunLock?

    /// Checks --init, then claims --out for a training of `kind`: makes the folder and takes its lock, so that a
    /// second training (or --resume) into the same folder is refused while this one runs.
    /// Under mpirun only rank 0 writes, so only rank 0 claims.
    func claimRunFolder(kind: String) throws {
        if let initialWeights, !resume { _ = try Trainer.initialWeights(initialWeights, kind: kind) }
        // Said now, not after reading and tokenising the data; on rank 0 once the lock is
        // held, so that a run still starting up is named as running, not as nothing to resume.
        func checkSomethingToResume() throws {
            if resume, !FileManager.default.fileExists(atPath: out + "/\(kind).state.safetensors") {
                throw TrainingStateError.nothingToResume(out, kind: kind)
            }
        }
        guard Distributed.group.isRoot else { return try checkSomethingToResume() }
        try Folder.create(out)
        do {
            Self.runLock = try RunLock(out + "/\(kind).lock", owner: commandLine)
        } catch RunLockError.held(_, let holder) {
            throw ValidationError("\(out) is being written by a running \(kind) training (\(holder)); wait for it to end, or choose another --out")
        }
        try checkSomethingToResume()
        // With the lock held no other writer of this kind is at work here: temporary files
        // of its checkpoints are left over from a killed run.
        for folder in [out, out + "/kept"] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".\(kind)") && name.hasSuffix(".tmp") {
                try? FileManager.default.removeItem(atPath: folder + "/" + name)
            }
        }
    }

    /// A model configuration from the command line, checked before the model is built.
    func checked<Config: ModelConfiguration>(_ config: Config) throws -> Config {
        do { try config.validate() } catch let error as ModelConfigurationError {
            throw ValidationError("the model settings are invalid: \(error.reason)")
        }
        return config
    }

    var commandLine: String { CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ") }

    /// Builds the trainer, resumes if asked, runs, and reports.
    func train(_ task: any TrainingTask) throws {
        let group = Distributed.group
        task.group = group
        if !resume, FileManager.default.fileExists(atPath: out + "/\(task.kind).state.safetensors") {
            throw ValidationError("\(out) already holds a \(task.kind) run: pass --resume to continue it, or choose another --out")
        }
        let provenance = ["command": commandLine,
                          "data": data, "data_seed": String(dataSeed), "seed": String(seed),
                          // Play and evaluation size their windows by it (`trainingClipLength`).
                          "clip": String(clip)]
        let trainer = try Trainer(task: task, options: options, runDirectory: out, provenance: provenance)
        if resume {
            try trainer.resume()
            Distributed.say("resumed \(task.kind) at step \(trainer.step)")
        } else if let initialWeights {
            try trainer.initialize(from: initialWeights)
            Distributed.say("starting from the weights of \(initialWeights)")
        }
        if group.isRoot { trainer.progress = ProgressBar(label: task.kind, unit: "steps") }
        let ranks = group.size > 1 ? ", \(group.size) ranks of \(batch / group.size) clips" : ""
        Distributed.say("\(task.kind): \(task.model.parameterCount) parameters, OpenBLAS \(BLASInfo.coreName)\(ranks)")
        if group.size > 1 {
            // mpirun answers Ctrl-C by killing the ranks a second or two later, mid-step; it
            // forwards SIGUSR1 to every rank instead, and a signal to any one rank stops all.
            StopSignal.install(also: [SIGUSR1])
            Distributed.say("to stop with a checkpoint: SIGUSR1 to mpirun (kill -USR1 <its pid>), or SIGTERM to any rank")
        } else {
            StopSignal.install()
        }
        try trainer.run(until: until)
        if group.isRoot { print("checkpoint: \(trainer.modelPath) (step \(trainer.step))") }
    }
}

/// Transformer size options.
struct TransformerOptions: ParsableArguments {
    @Option(help: "Transformer width.") var width: Int?
    @Option(help: "Number of ST blocks.") var depth: Int?
    @Option(help: "Attention heads.") var heads: Int?

    func apply(_ c: inout TransformerConfig) {
        if let width { c.width = width }
        if let depth { c.depth = depth }
        if let heads { c.heads = heads }
    }
}

/// Takes the frame size from the data and checks that `patch` tiles it.
func setFrames<Config: PatchedFrames>(_ config: inout Config, of dataset: VideoDataset, patch: Int) throws {
    guard patch >= 1, dataset.frameWidth % patch == 0, dataset.frameHeight % patch == 0 else {
        throw ValidationError("frames of \(dataset.frameWidth)x\(dataset.frameHeight) do not divide into \(patch)x\(patch) patches")
    }
    config.frameWidth = dataset.frameWidth; config.frameHeight = dataset.frameHeight; config.patch = patch
}

struct TrainTokenizer: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenizer", abstract: "Train the video tokenizer (VQ-VAE over frames).")
    @OptionGroup var common: CommonTrainingOptions
    @OptionGroup var size: TransformerOptions
    @Option(help: "Patch side in pixels (tokens per frame = (H/p)·(W/p)).") var patch = 8
    @Option(help: "Codebook size.") var codes = 1024
    @Option(help: "Code vector size.") var codeDimension = 32
    @Flag(help: ArgumentHelp("Train the decoder alone, keeping the encoder and codebook of --init: the codes stay the same, so a dynamics model trained on that tokenizer's codes works with the result. Needs --init (or --resume of such a run)."))
    var codesFrozen = false

    func validate() throws {
        if codesFrozen, common.initialWeights == nil, !common.resume {
            throw ValidationError("--codes-frozen keeps the codes of a trained tokenizer: name it with --init")
        }
    }

    func run() throws {
        try common.claimRunFolder(kind: "tokenizer")
        let sampler = try common.loadData()
        var config = TokenizerConfig()
        try setFrames(&config, of: sampler.dataset, patch: patch)
        config.codebookSize = codes; config.codeDimension = codeDimension
        size.apply(&config.encoder); size.apply(&config.decoder)
        try common.train(TokenizerTask(tokenizer: VideoTokenizer(try common.checked(config), seed: common.seed), sampler: sampler, codesFrozen: codesFrozen))
    }
}

struct TrainLatentActions: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lam", abstract: "Train the latent action model (VQ-VAE over transitions, |A| codes).")
    @OptionGroup var common: CommonTrainingOptions
    @OptionGroup var size: TransformerOptions
    @Option(help: "Patch side in pixels.") var patch = 8
    @Option(help: "Number of latent actions.") var actions = 8
    @Option(help: "Size of the action latent.") var latentDimension = 16
    @Flag(inversion: .prefixedNo, help: "Cosine codes: match unit-length latents to unit-length codes (keeps the 8 codes from collapsing into one).")
    var normalizedCodes = true
    @Option(help: "Every N steps, place the codes on k-means centres of the encoder's latents (0 = never): gives two clusters that share a code (left and right) a code each.")
    var clusterCodesEvery = 500
    @Option(help: "Last step at which codes are placed by k-means.")
    var clusterCodesUntil = 3000
    @Option(help: "Weight of the pixels that changed from the previous frame in the reconstruction loss (1 = plain MSE).")
    var changedPixelWeight: Float = 10
    @Option(help: "Train the first N steps through the continuous latent (no quantiser), then place the codes by k-means and quantise (0 = quantise from the start).")
    var continuousSteps = 1000
    @Option(help: ArgumentHelp("A little supervision: the true actions (actions.csv; where it has a class column, the class, so that a press that changed nothing is named as what it looks like) of the first N episodes, in name order, train a linear reader on the action latent beside the reconstruction, so that the latent keeps what the key did where the scene also moves on its own (0 = none: the paper's unsupervised LAM). The other episodes' actions are not read.", valueName: "N"))
    var labelledEpisodes = 0
    @Option(help: "Weight of the action reader's cross-entropy against the reconstruction (with --labelled-episodes; docs/coinrun.md §3 measures 1 and 3).")
    var actionLabelWeight: Float = 1

    func validate() throws {
        guard changedPixelWeight >= 1, changedPixelWeight.isFinite else { throw ValidationError("--changed-pixel-weight must be at least 1") }
        guard labelledEpisodes >= 0 else { throw ValidationError("--labelled-episodes must be 0 or more") }
        guard actionLabelWeight > 0, actionLabelWeight.isFinite else { throw ValidationError("--action-label-weight must be above 0") }
    }

    func run() throws {
        try common.claimRunFolder(kind: "lam")
        let sampler = try common.loadData()
        var config = LatentActionConfig()
        try setFrames(&config, of: sampler.dataset, patch: patch)
        config.actions = actions; config.latentDimension = latentDimension
        config.normalizedCodes = normalizedCodes
        if changedPixelWeight != 1 { config.changedPixelWeight = changedPixelWeight }
        if labelledEpisodes > 0 {
            config.labelledActions = try labelledActionCount(sampler.dataset)
            config.actionLabelWeight = actionLabelWeight
        }
        size.apply(&config.encoder); size.apply(&config.decoder)
        let lam = LatentActionModel(try common.checked(config), seed: common.seed)
        try common.train(LatentActionTask(lam: lam, sampler: sampler, codeClusteringEvery: clusterCodesEvery,
                                          codeClusteringUntil: clusterCodesUntil, continuousSteps: continuousSteps,
                                          labelledEpisodes: labelledEpisodes))
    }

    /// The number of actions the reader names: one more than the largest label of the
    /// labelled episodes, each of which must have its actions.csv.
    func labelledActionCount(_ dataset: VideoDataset) throws -> Int {
        guard labelledEpisodes <= dataset.episodes.count else {
            throw ValidationError("--labelled-episodes \(labelledEpisodes): \(dataset.root) holds \(dataset.episodes.count) episodes")
        }
        var top = 0
        for episode in dataset.episodes.prefix(labelledEpisodes) {
            guard let actions = episode.labels else {
                throw ValidationError("--labelled-episodes: \(episode.path) has no actions.csv")
            }
            top = max(top, actions.max() ?? 0)
        }
        guard top + 1 <= ConfigurationBounds.actions.upperBound else {
            throw ValidationError("--labelled-episodes: action ids go up to \(top); the reader names at most \(ConfigurationBounds.actions.upperBound) actions")
        }
        return max(top + 1, 2)
    }
}

/// A stop asked for while tokenising: the partial cache is kept.
struct StoppedWhileTokenising: Error, CustomStringConvertible {
    let done: Int, of: Int, path: String
    var description: String { "stopped while tokenising: \(done) of \(of) episodes kept in \(path); the same command goes on from there" }
}

struct TrainDynamics: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dynamics",
        abstract: "Train the MaskGIT dynamics model on codes of a frozen tokenizer and actions of a frozen LAM.",
        discussion: """
            The data are tokenised once by the frozen networks and kept in the run folder \
            (tokens.safetensors). A stop while tokenising (Ctrl-C, SIGTERM, a kill) keeps what is \
            done (tokens.partial.safetensors, saved every minute and on the stop): the same command \
            goes on from there. After the first checkpoint, add --resume.
            """)
    @OptionGroup var common: CommonTrainingOptions
    @OptionGroup var size: TransformerOptions
    @Option(help: "Tokenizer checkpoint (frozen).") var tokenizer: String
    @Option(help: "Latent action model checkpoint (frozen).") var lam: String

    func run() throws {
        try common.claimRunFolder(kind: "dynamics")
        let (tokenizerModel, tokenizerFile) = try Checkpoint.loadTokenizer(tokenizer)
        let (lamModel, lamFile) = try Checkpoint.loadLatentActionModel(lam)
        let sampler = try common.loadData(modelFrameSize: FrameSize(width: tokenizerModel.config.frameWidth, height: tokenizerModel.config.frameHeight))
        guard sampler.dataset.frameWidth == tokenizerModel.config.frameWidth, sampler.dataset.frameHeight == tokenizerModel.config.frameHeight else {
            throw ValidationError("the data's \(sampler.dataset.frameWidth)x\(sampler.dataset.frameHeight) frames do not match the tokenizer's \(tokenizerModel.config.frameWidth)x\(tokenizerModel.config.frameHeight)")
        }
        guard lamModel.config.frameWidth == tokenizerModel.config.frameWidth, lamModel.config.frameHeight == tokenizerModel.config.frameHeight else {
            throw CheckpointError.mismatched("the tokenizer and the LAM were trained on frames of different sizes")
        }
        // The cache is valid for this data, these two exact checkpoints and this clip length
        // (the window the codes are encoded in); the data's path is made absolute so that a
        // resume from another directory finds its cache.
        let dataPath = URL(fileURLWithPath: common.data).standardizedFileURL.path
        let key = "\(dataPath)|\(common.maxEpisodes ?? -1)|\(tokenizerFile.metadata["steps"] ?? "?")|\(lamFile.metadata["steps"] ?? "?")|\(try fileFingerprint(tokenizer))|\(try fileFingerprint(lam))|clip \(common.clip)"
        let loadCache = { (path: String) in
            TokenizedDataset.load(from: path, key: key, tokensPerFrame: tokenizerModel.config.tokensPerFrame,
                                  codebookSize: tokenizerModel.config.codebookSize, actionCount: lamModel.config.actions)
        }
        let cachePath = common.out + "/tokens.safetensors"
        let cached = loadCache(cachePath)
        // Every rank must take the same path (tokenising is collective): a cache only some
        // ranks can read is made again by all.
        let data: TokenizedDataset
        if !Distributed.group.anyRank(cached == nil), let cached {
            data = cached
        } else {
            data = try tokenise(sampler.dataset, tokenizerModel, lamModel, key: key, cachePath: cachePath, loadCache: loadCache)
        }
        var config = DynamicsConfig()
        config.tokensPerFrame = tokenizerModel.config.tokensPerFrame
        config.codebookSize = tokenizerModel.config.codebookSize
        config.actions = lamModel.config.actions
        size.apply(&config.transformer)
        let model = DynamicsModel(try common.checked(config), seed: common.seed)
        try common.train(try DynamicsTask(dynamics: model, data: data, tokenizer: tokenizerModel, batch: common.batch,
                                          clipLength: common.clip, dataSeed: common.dataSeed))
    }

    /// Tokenises the episodes with the frozen networks and writes the cache. A partial cache
    /// is kept beside it at least every minute and on Ctrl-C or SIGTERM, and the same command
    /// goes on from it: a stop while tokenising loses a minute at most.
    func tokenise(_ dataset: VideoDataset, _ tokenizer: VideoTokenizer, _ lam: LatentActionModel, key: String, cachePath: String,
                  loadCache: (String) -> TokenizedDataset?) throws -> TokenizedDataset {
        let group = Distributed.group
        let partialPath = common.out + "/tokens.partial.safetensors"
        // Every rank goes on from the same episode: the shortest kept prefix any rank can read.
        let kept = loadCache(partialPath).flatMap { $0.isPrefix(of: dataset, tokensPerFrame: tokenizer.config.tokensPerFrame) ? $0 : nil }
        let agreed = Int(group.allgather([Int32(kept?.tokens.count ?? 0)]).min() ?? 0)
        let done = kept?.prefix(agreed)
        if agreed > 0 { Distributed.say("tokenising: continuing after \(agreed) episodes (\(partialPath))") }
        StopSignal.install(also: group.size > 1 ? [SIGUSR1] : [])
        // Every rank tokenises (the same codes); rank 0 keeps the cache.
        let progress = group.isRoot ? ProgressBar(label: "tokenising", unit: "episodes") : nil
        var saved = Date()
        var saveError: Error?
        let data = withoutGradient {
            TokenizedDataset.build(dataset: dataset, tokenizer: tokenizer, lam: lam, window: common.clip, continuing: done) { soFar in
                progress?.update(soFar.tokens.count, of: dataset.episodes.count)
                // One collective per episode on every rank; a failed save stops all of them.
                let stop = group.anyRank(StopSignal.received != nil || saveError != nil)
                if group.isRoot, saveError == nil, stop || Date().timeIntervalSince(saved) >= 60, soFar.tokens.count < dataset.episodes.count {
                    do { try soFar.save(to: partialPath, key: key) } catch { saveError = error }
                    saved = Date()
                }
                return !stop
            }
        }
        progress?.finish()
        // Rank 0 gets here once its save is written: no rank ends the job before that.
        if group.anyRank(saveError != nil) { throw saveError ?? StoppedWhileTokenising(done: data.tokens.count, of: dataset.episodes.count, path: partialPath) }
        guard data.tokens.count == dataset.episodes.count else {
            throw StoppedWhileTokenising(done: data.tokens.count, of: dataset.episodes.count, path: partialPath)
        }
        if group.isRoot {
            try data.save(to: cachePath, key: key)
            try? FileManager.default.removeItem(atPath: partialPath)
        }
        return data
    }
}

import Foundation
import GenieMedia
import GenieModels
import GenieTensor

/// Training the video tokenizer: reconstruct clips through the VQ bottleneck.
public final class TokenizerTask: TrainingTask {
    public let kind = "tokenizer"
    public let tokenizer: VideoTokenizer
    public var sampler: ClipSampler
    public var group: ProcessGroup = SingleProcess()
    var lastOutput: TokenizerOutput?
    var lastFrames: Tensor?

    /// Trains the decoder alone on the fixed codes of the encoder and codebook it was given
    /// (see `VideoTokenizer.trainingLoss(_:codesFrozen:)`).
    public let codesFrozen: Bool

    public init(tokenizer: VideoTokenizer, sampler: ClipSampler, codesFrozen: Bool = false) {
        self.tokenizer = tokenizer
        self.sampler = sampler
        self.codesFrozen = codesFrozen
    }

    public var model: Module { tokenizer }

    public var trainedParameters: [(name: String, tensor: Tensor)] {
        codesFrozen ? tokenizer.decoderParameters() : tokenizer.namedParameters()
    }

    public var configuration: some Codable { tokenizer.config }

    public func loss(generator: inout RandomGenerator) -> (loss: Tensor, figures: [(String, Float)]) {
        let (frames, _) = sampler.nextBatch(sampler.batch, share: group.share)
        let out = tokenizer.trainingLoss(frames, codesFrozen: codesFrozen)
        lastOutput = out
        lastFrames = frames
        let means = group.mean([out.reconstructionError, out.quantizationLoss])
        return (group.contribution(ofShareMean: out.loss), [("mse", means[0]), ("psnr", psnr(mse: means[0])), ("vq", means[1])])
    }

    public func afterUpdate(generator: inout RandomGenerator) -> [(String, Float)] {
        guard let out = lastOutput else { return [] }
        lastOutput = nil  // frees the graph
        let indices = group.allgather(out.indices)
        let used = Float(Set(indices).count)
        // Frozen codes are never restarted: a moved code would change what the codes mean.
        if codesFrozen { return [("codes_used", used)] }
        // Restarts draw from the whole batch's encoder outputs, alike on every rank.
        let restarted = tokenizer.quantizer.updateUsageAndRestart(group.allgather(out.encoderOutput), indices: indices, generator: &generator)
        return [("codes_used", used), ("codes_restarted", Float(restarted))]
    }

    public func sampleGrid() -> Frame {
        let frames = lastFrames ?? sampler.peekBatch()
        let reconstruction = withoutGradient { tokenizer.trainingLoss(frames).reconstruction }
        let shown = min(frames.shape[1], 8), clips = min(frames.shape[0], 2)
        var rows: [[Frame]] = []
        for b in 0..<clips {
            rows.append((0..<shown).map { frames.frame(batch: b, time: $0) })
            rows.append((0..<shown).map { reconstruction.frame(batch: b, time: $0) })
        }
        return FrameGrid.make(rows, scale: 2)
    }

    public func state() -> [String: String] {
        samplerAndCodesState(sampler, tokenizer.quantizer).merging(["codes_frozen": String(codesFrozen)]) { $1 }
    }

    /// `--init` of the same settings, or of a tokenizer that differs only in having fewer
    /// codes (a divisor of this one's): its codebook is split into this one's, every other
    /// weight loaded as it is.
    public func loadInitialWeights(_ file: SafeTensorsFile, generator: inout RandomGenerator) throws {
        guard !codesFrozen, let parents = parentCodes(in: file, config: tokenizer.config, codes: \.codebookSize) else {
            return try loadWeightsOfTheSameSettings(file)
        }
        let name = "quantizer.codebook"
        try Checkpoint.loadWeights(tokenizer, from: file, skipping: [name])
        tokenizer.quantizer.split(try file.tensor(name, shape: [parents, tokenizer.config.codeDimension]), generator: &generator)
    }

    public func restore(_ state: [String: String]) throws {
        // A run saved before the key existed trained everything.
        let savedFrozen = state["codes_frozen"].map { $0 == "true" } ?? false
        guard savedFrozen == codesFrozen else {
            throw TrainingStateError.otherParts(savedFrozen ? "this run trains the decoder alone: resume it with --codes-frozen"
                                                            : "this run trains the whole tokenizer: resume it without --codes-frozen")
        }
        try restoreSamplerAndCodes(state, sampler: &sampler, quantizer: tokenizer.quantizer)
    }
}

/// Training the latent action model: predict frame t+1 from frames ≤ t and one of |A| codes.
public final class LatentActionTask: TrainingTask {
    public let kind = "lam"
    public let lam: LatentActionModel
    public var sampler: ClipSampler
    public var group: ProcessGroup = SingleProcess()
    var lastOutput: LatentActionOutput?
    var lastFrames: Tensor?
    /// Every this many steps (0 = never), up to step `codeClusteringUntil`, the codes are
    /// placed on k-means centres of the encoder's latents for `codeClusteringBatches`
    /// fresh batches (see `VectorQuantizer.placeCodes`).
    public let codeClusteringEvery: Int
    public let codeClusteringUntil: Int
    public var codeClusteringBatches = 16
    /// Steps trained through the continuous latent before the codes are placed by k-means
    /// and quantisation starts (0 = quantise from the first step).
    public let continuousSteps: Int
    /// The first this many episodes of the data (in name order) lend their true actions
    /// to the LAM's action reader (`LatentActionConfig.labelledActions`); 0 = none.
    public let labelledEpisodes: Int
    /// Optimiser steps taken (restored from the training state).
    var updates = 0

    public init(lam: LatentActionModel, sampler: ClipSampler,
                codeClusteringEvery: Int = 0, codeClusteringUntil: Int = 0, continuousSteps: Int = 0,
                labelledEpisodes: Int = 0) {
        precondition(labelledEpisodes == 0 || lam.actionReader != nil, "labelled episodes need a LAM with an action reader")
        self.continuousSteps = continuousSteps
        self.labelledEpisodes = labelledEpisodes
        self.lam = lam
        self.sampler = sampler
        self.codeClusteringEvery = codeClusteringEvery
        self.codeClusteringUntil = codeClusteringUntil
    }

    public var model: Module { lam }

    public var configuration: some Codable { lam.config }

    public func loss(generator: inout RandomGenerator) -> (loss: Tensor, figures: [(String, Float)]) {
        let (frames, clips) = sampler.nextBatch(sampler.batch, share: group.share)
        // The changed-pixel weights are scaled by the whole batch's changed pixels.
        var changedPixels: (changed: Int, total: Int)? = nil
        if group.size > 1, (lam.config.changedPixelWeight ?? 1) != 1 {
            let local = LatentActionModel.changedPixels(frames)
            let sums = group.allreduceSum([Double(local.changed), Double(local.total)])
            changedPixels = (Int(sums[0]), Int(sums[1]))
        }
        let out = lam.trainingLoss(frames, continuous: updates < continuousSteps, changedPixels: changedPixels,
                                   labels: transitionLabels(clips, transitions: frames.shape[1] - 1))
        lastOutput = out
        lastFrames = frames
        let mse = group.mean([out.reconstructionError])[0]
        let loss = group.contribution(ofShareMean: out.loss)
        guard let labelLoss = out.labelLoss else { return (loss, [("mse", mse), ("psnr", psnr(mse: mse))]) }
        // Already averaged over the whole batch's labelled transitions: the ranks' parts add up.
        let label = group.size > 1 ? Float(group.allreduceSum([Double(labelLoss.item)])[0]) : labelLoss.item
        return (add(loss, labelLoss), [("mse", mse), ("psnr", psnr(mse: mse)), ("label_loss", label)])
    }

    /// The label of each transition of `clips` from a labelled episode (none from the others).
    func transitionLabels(_ clips: [(episode: Int, start: Int)], transitions: Int) -> TransitionLabels? {
        guard labelledEpisodes > 0 else { return nil }
        var targets: [Int32] = [], mask: [Bool] = []
        for (episode, start) in clips {
            let actions = episode < labelledEpisodes ? sampler.dataset.episodes[episode].labels : nil
            for t in 0..<transitions {
                targets.append(Int32(actions?[start + t] ?? 0))
                mask.append(actions != nil)
            }
        }
        let local = mask.filter { $0 }.count
        let batch = group.size > 1 ? Int(group.allreduceSum([Double(local)])[0]) : local
        return TransitionLabels(targets: targets, mask: mask, batchCount: batch)
    }

    public func afterUpdate(generator: inout RandomGenerator) -> [(String, Float)] {
        guard let out = lastOutput else { return [] }
        updates += 1
        let quantisingStarts = continuousSteps > 0 && updates == continuousSteps
        if quantisingStarts || (codeClusteringEvery > 0 && updates % codeClusteringEvery == 0 && updates <= codeClusteringUntil) {
            // Each rank encodes its share of every batch; all ranks cluster the whole.
            let latents = (0..<codeClusteringBatches).map { _ in
                group.allgather(withoutGradient { lam.encodeContinuous(sampler.nextBatch(sampler.batch, share: group.share).frames) })
            }
            lam.quantizer.placeCodes(onClustersOf: concatenate(latents, axis: 0), generator: &generator)
        }
        let actions = group.allgather(out.actions)
        let restarted = lam.quantizer.updateUsageAndRestart(group.allgather(out.latents), indices: actions, generator: &generator)
        lastOutput = nil
        let usage = CodeUsage(codes: actions, codeCount: lam.config.actions)
        return [("codes_used", Float(usage.used)), ("code_perplexity", Float(usage.perplexity)), ("codes_restarted", Float(restarted))]
    }

    public func sampleGrid() -> Frame {
        let frames = lastFrames ?? sampler.peekBatch()
        let prediction = withoutGradient { lam.trainingLoss(frames).prediction }
        let shown = min(frames.shape[1] - 1, 8), clips = min(frames.shape[0], 2)
        var rows: [[Frame]] = []
        for b in 0..<clips {
            rows.append((1...shown).map { frames.frame(batch: b, time: $0) })
            rows.append((0..<shown).map { prediction.frame(batch: b, time: $0) })
        }
        return FrameGrid.make(rows, scale: 2)
    }

    public func state() -> [String: String] { samplerAndCodesState(sampler, lam.quantizer) }

    public func restore(_ state: [String: String]) throws {
        try restoreSamplerAndCodes(state, sampler: &sampler, quantizer: lam.quantizer)
        updates = Int(state["step"] ?? "") ?? 0
    }
}

/// The clip order and the codes' idle counters: what a video task saves for exact resumption.
func samplerAndCodesState(_ sampler: ClipSampler, _ quantizer: VectorQuantizer) -> [String: String] {
    ["sampler": sampler.generator.stateText,
     "idle": quantizer.idleSteps.map(String.init).joined(separator: ",")]
}

func restoreSamplerAndCodes(_ state: [String: String], sampler: inout ClipSampler, quantizer: VectorQuantizer) throws {
    // Idle counters are step counts: a value no run reaches is a damaged state, not one to count on from.
    let idle = (state["idle"] ?? "").split(separator: ",").compactMap { Int($0) }.filter { (0...(1 << 40)).contains($0) }
    guard let generator = RandomGenerator(stateText: state["sampler"] ?? ""), idle.count == quantizer.codes else {
        throw CheckpointError.badConfig("training state", reason: "sampler or code usage state missing")
    }
    sampler.generator = generator
    quantizer.restoreIdleSteps(idle)
}

/// PSNR in dB of images in [0, 1] with the given mean squared error.
public func psnr(mse: Float) -> Float { 10 * log10f(1 / max(mse, 1e-10)) }

extension ClipSampler {
    /// Batch size used by the trainer (set by the CLI).
    public var batch: Int {
        get { batchSize }
        set { batchSize = newValue }
    }

    /// A batch drawn without moving the sampler (for sample grids before the first step).
    public func peekBatch() -> Tensor {
        var copy = self
        return copy.nextBatch(batchSize).frames
    }
}

import Foundation
import GenieMedia
import GenieModels
import GenieTensor

/// The dataset as the dynamics model sees it: tokenizer codes for every frame and the LAM's
/// latent action for every transition, computed once by the frozen networks and stored in
/// the run folder (the dynamics trainer never runs the tokenizer per step).
public struct TokenizedDataset: Sendable {
    /// Per episode: codes [frames · S].
    public internal(set) var tokens: [[Int32]]
    /// Per episode: latent actions [frames − 1].
    public internal(set) var actions: [[Int32]]
    public let tokensPerFrame: Int

    /// Encodes each episode in windows of `window` frames (the tokenizer's and LAM's
    /// temporal context); LAM windows overlap by one frame so every transition gets an action.
    ///
    /// `done`: the episodes already tokenised by an earlier, stopped build (a prefix of this
    /// dataset's; ignored unless its frame counts match). `progress` is told the episodes so
    /// far after each one and answers whether to go on; when it answers no, the build stops
    /// there and returns what it has (fewer episodes than the dataset).
    public static func build(dataset: VideoDataset, tokenizer: VideoTokenizer, lam: LatentActionModel, window: Int,
                             continuing done: TokenizedDataset? = nil,
                             progress: ((TokenizedDataset) -> Bool)? = nil) -> TokenizedDataset {
        let s = tokenizer.config.tokensPerFrame
        let prefix = done.flatMap { $0.isPrefix(of: dataset, tokensPerFrame: s) ? $0 : nil }
        var soFar = prefix ?? TokenizedDataset(tokens: [], actions: [], tokensPerFrame: s)
        for (index, episode) in dataset.episodes.enumerated().dropFirst(soFar.tokens.count) {
            let actions = lam.inferActions(ClipSampler.frames(dataset, clips: [(index, 0)], length: episode.frames.count), window: window)
            soFar.tokens.append(codes(ofEpisode: index, in: dataset, tokenizer: tokenizer, window: window))
            soFar.actions.append(actions)
            if let progress, !progress(soFar) { break }
        }
        return soFar
    }

    /// Whether these episodes have the frame counts of the first episodes of `dataset`.
    public func isPrefix(of dataset: VideoDataset, tokensPerFrame s: Int) -> Bool {
        tokensPerFrame == s && tokens.count <= dataset.episodes.count
            && zip(tokens, dataset.episodes).allSatisfy { $0.count == $1.frames.count * s }
    }

    /// The first `count` episodes.
    public func prefix(_ count: Int) -> TokenizedDataset {
        TokenizedDataset(tokens: Array(tokens.prefix(count)), actions: Array(actions.prefix(count)), tokensPerFrame: tokensPerFrame)
    }

    /// One episode's codes [frames · S], encoded in windows of `window` frames.
    public static func codes(ofEpisode index: Int, in dataset: VideoDataset, tokenizer: VideoTokenizer, window: Int) -> [Int32] {
        let n = dataset.episodes[index].frames.count
        var tokens: [Int32] = []
        var start = 0
        while start < n {
            let length = min(window, n - start)
            tokens += tokenizer.encode(ClipSampler.frames(dataset, clips: [(index, start)], length: length))
            start += length
        }
        return tokens
    }

    public func save(to path: String, key: String) throws {
        var tensors: [(name: String, tensor: Tensor)] = []
        for (i, (t, a)) in zip(tokens, actions).enumerated() {
            tensors.append(("tokens.\(i)", Tensor(t.map(Float.init), shape: [t.count])))
            tensors.append(("actions.\(i)", Tensor(a.map(Float.init), shape: [a.count])))
        }
        try SafeTensorsFile.write(tensors, metadata: ["key": key, "episodes": String(tokens.count), "tokens_per_frame": String(tokensPerFrame)], to: path)
    }

    /// The cache at `path` if it was built for `key` (same data and same frozen networks) and
    /// holds what they make: `tokensPerFrame` codes below `codebookSize` a frame, and one
    /// action below `actionCount` between each two frames. Anything else is rebuilt, never trusted.
    public static func load(from path: String, key: String, tokensPerFrame s: Int, codebookSize: Int, actionCount: Int) -> TokenizedDataset? {
        guard let file = try? SafeTensorsFile.read(path), file.metadata["key"] == key,
              let episodes = Int(file.metadata["episodes"] ?? ""), Int(file.metadata["tokens_per_frame"] ?? "") == s,
              (0...file.names.count).contains(episodes), s > 0 else { return nil }
        func whole(_ tensor: Tensor, below limit: Int) -> [Int32]? {
            let values = tensor.array.compactMap { Int32(exactly: $0) }.filter { $0 >= 0 && Int($0) < limit }
            return values.count == tensor.count ? values : nil
        }
        var tokens: [[Int32]] = [], actions: [[Int32]] = []
        for i in 0..<episodes {
            guard let t = try? file.tensor("tokens.\(i)"), let a = try? file.tensor("actions.\(i)"),
                  let episodeTokens = whole(t, below: codebookSize), let episodeActions = whole(a, below: actionCount),
                  episodeTokens.count % s == 0, episodeTokens.count >= s, episodeActions.count == episodeTokens.count / s - 1 else { return nil }
            tokens.append(episodeTokens)
            actions.append(episodeActions)
        }
        return TokenizedDataset(tokens: tokens, actions: actions, tokensPerFrame: s)
    }
}

/// Training the dynamics model: MaskGIT on tokens, conditioned on the LAM's latent actions.
public final class DynamicsTask: TrainingTask {
    public let kind = "dynamics"
    public let dynamics: DynamicsModel
    public let data: TokenizedDataset
    /// Decodes tokens for the sample grid.
    public let tokenizer: VideoTokenizer
    public let batch: Int, clipLength: Int
    public var clipGenerator: RandomGenerator
    public var group: ProcessGroup = SingleProcess()
    let starts: [(Int, Int)]
    var lastBatch: (tokens: [Int32], actions: [Int32], mask: [Bool])?

    public init(dynamics: DynamicsModel, data: TokenizedDataset, tokenizer: VideoTokenizer, batch: Int, clipLength: Int, dataSeed: UInt64) throws {
        self.dynamics = dynamics
        self.data = data
        self.tokenizer = tokenizer
        self.batch = batch
        self.clipLength = clipLength
        clipGenerator = RandomGenerator(seed: dataSeed)
        var starts: [(Int, Int)] = []
        for (e, t) in data.tokens.enumerated() {
            let frames = t.count / data.tokensPerFrame
            if frames >= clipLength { for s in 0...(frames - clipLength) { starts.append((e, s)) } }
        }
        guard !starts.isEmpty else { throw VideoDatasetError.episodeTooShort("tokenized data", frames: 0, needed: clipLength) }
        self.starts = starts
    }

    public var model: Module { dynamics }

    public var configuration: some Codable { dynamics.config }

    /// `--init` of the same settings, or of a dynamics model over a tokenizer with fewer codes
    /// (a divisor of this one's), that this run's tokenizer grew from by splitting its
    /// codebook: each code starts as its parent (`DynamicsModel.splitCodes`).
    public func loadInitialWeights(_ file: SafeTensorsFile, generator: inout RandomGenerator) throws {
        guard let parents = parentCodes(in: file, config: dynamics.config, codes: \.codebookSize) else {
            return try loadWeightsOfTheSameSettings(file)
        }
        let d = dynamics.config.transformer.width
        try Checkpoint.loadWeights(dynamics, from: file, skipping: ["tokenEmbedding.table", "head.weight", "head.bias"])
        dynamics.splitCodes(embedding: try file.tensor("tokenEmbedding.table", shape: [parents + 1, d]),
                            headWeight: try file.tensor("head.weight", shape: [d, parents]),
                            headBias: try file.tensor("head.bias", shape: [parents]), parents: parents)
    }

    func nextClips() -> (tokens: [Int32], actions: [Int32]) {
        let s = data.tokensPerFrame
        var tokens: [Int32] = [], actions: [Int32] = []
        for _ in 0..<batch {
            let (e, start) = starts[clipGenerator.nextInt(starts.count)]
            tokens += data.tokens[e][(start * s)..<((start + clipLength) * s)]
            actions += data.actions[e][start..<(start + clipLength - 1)]
        }
        return (tokens, actions)
    }

    public func loss(generator: inout RandomGenerator) -> (loss: Tensor, figures: [(String, Float)]) {
        // Clips and masks are drawn for the whole global batch (the same on every rank and for
        // any number of ranks); this rank computes its share, averaged over the whole batch's
        // masked tokens.
        let (allTokens, allActions) = nextClips()
        let allMask = dynamics.sampleMask(batch: batch, frames: clipLength, generator: &generator)
        let share = group.share, s = data.tokensPerFrame
        let tokens = share.slice(allTokens, batch: batch, perExample: clipLength * s)
        let actions = share.slice(allActions, batch: batch, perExample: clipLength - 1)
        let mask = share.slice(allMask, batch: batch, perExample: clipLength * s)
        let masked = mask.filter { $0 }.count, allMasked = allMask.filter { $0 }.count
        lastBatch = (tokens, actions, mask)
        let out = dynamics.trainingLoss(tokens: tokens, actions: actions, batch: batch / share.ranks, frames: clipLength, mask: mask,
                                        maskedCount: group.size > 1 ? allMasked : nil)
        let correct = group.size > 1 ? Float(group.allreduceSum([Double(out.maskedAccuracy) * Double(masked)])[0]) / Float(max(allMasked, 1))
                                     : out.maskedAccuracy
        return (out.loss, [("masked_accuracy", correct)])
    }

    public func afterUpdate(generator: inout RandomGenerator) -> [(String, Float)] { [] }

    /// Real frames (decoded codes) above the model's teacher-forced predictions of the
    /// masked tokens, for the first clip of the last batch.
    public func sampleGrid() -> Frame {
        let s = data.tokensPerFrame, k = dynamics.config.codebookSize
        let (tokens, actions, mask) = lastBatch ?? { let c = nextClips(); return (c.tokens, c.actions, [Bool](repeating: true, count: c.tokens.count)) }()
        let clipTokens = Array(tokens[0..<(clipLength * s)]), clipMask = Array(mask[0..<(clipLength * s)])
        let input = zip(clipTokens, clipMask).map { $1 ? dynamics.maskToken : $0 }
        let logits = withoutGradient { dynamics.logits(tokens: input, actions: Array(actions[0..<(clipLength - 1)]), batch: 1, frames: clipLength) }
        var predicted = clipTokens
        for i in 0..<predicted.count where clipMask[i] { predicted[i] = Int32(argmax(logits.data + i * k, count: k)) }
        let real = tokenizer.decode(codes: clipTokens, batch: 1, frames: clipLength)
        let guess = tokenizer.decode(codes: predicted, batch: 1, frames: clipLength)
        let shown = min(clipLength, 8)
        return FrameGrid.make([(0..<shown).map { real.frame(batch: 0, time: $0) }, (0..<shown).map { guess.frame(batch: 0, time: $0) }], scale: 2)
    }

    public func state() -> [String: String] { ["clips": clipGenerator.stateText] }

    public func restore(_ state: [String: String]) throws {
        guard let generator = RandomGenerator(stateText: state["clips"] ?? "") else {
            throw CheckpointError.badConfig("training state", reason: "clip sampler state missing")
        }
        clipGenerator = generator
    }
}

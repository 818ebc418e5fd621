import GenieTensor

/// Configuration of the latent action model.
public struct LatentActionConfig: PatchedFrames, Codable, Sendable, Equatable {
    public var frameHeight = 64
    public var frameWidth = 64
    public var channels = 3
    /// Patch side for the LAM's own view of the pixels (coarser than the tokenizer's: the
    /// LAM only has to see what moved).
    public var patch = 8
    /// |A|: the number of latent actions a player chooses from.
    public var actions = 8
    /// Size of the continuous latent before quantisation; kept small, as the paper does, so
    /// that it carries the change and not the next frame.
    public var latentDimension = 16
    public var commitment: Float = 0.25
    /// Cosine (unit-length) codes; optional so that older configurations still load
    /// (absent = false).
    public var normalizedCodes: Bool?
    /// Weight of the pixels that changed between x_t and x_{t+1} in the reconstruction loss,
    /// against 1 for the others (absent = 1: plain MSE). Most pixels of a platformer frame
    /// are still sky; what an action decides (which way the scene shifts, whether the
    /// player rises) is all in the few that change.
    public var changedPixelWeight: Float?
    /// A little supervision (absent: none, the paper's unsupervised LAM): the number of true
    /// actions a linear reader on the action latent is trained to name, on the transitions of
    /// the few episodes whose labels training is given. Where the scene moves for reasons
    /// other than the key (CoinRun's camera), reconstruction alone lets the latent carry that
    /// motion instead of the key; a few labels tell it which motion is the player's.
    public var labelledActions: Int?
    /// Weight of the reader's cross-entropy against the reconstruction loss (with `labelledActions`).
    public var actionLabelWeight: Float?
    public var encoder = TransformerConfig(width: 128, depth: 3, heads: 4)
    public var decoder = TransformerConfig(width: 128, depth: 3, heads: 4)

    public init() {}

    /// Values per patch token the encoder reads: the change and its two direction products
    /// (see `LatentActionModel.motion`), each p²·C values.
    public var encoderValuesPerToken: Int { 3 * patchValues }

    enum CodingKeys: String, CodingKey {
        case frameHeight, frameWidth, channels, patch, actions, latentDimension, commitment, normalizedCodes
        case changedPixelWeight, labelledActions, actionLabelWeight, encoder, decoder
        // What the encoder reads: always "motion" now. Checkpoints made before the key existed
        // say it with `encoderReadsMotion`; the first LAMs (neither key) read changes only.
        case encoderInput, encoderReadsFrames, encoderReadsMotion
        // The decoder's view of the past frames: always on now; read to refuse `false`.
        case decoderHistory
    }

    /// The encoder input all LAMs now read; others were ablations that lost (docs/runs.md).
    static let encoderInput = "motion"

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        frameHeight = try c.decode(Int.self, forKey: .frameHeight)
        frameWidth = try c.decode(Int.self, forKey: .frameWidth)
        channels = try c.decode(Int.self, forKey: .channels)
        patch = try c.decode(Int.self, forKey: .patch)
        actions = try c.decode(Int.self, forKey: .actions)
        latentDimension = try c.decode(Int.self, forKey: .latentDimension)
        commitment = try c.decode(Float.self, forKey: .commitment)
        normalizedCodes = try c.decodeIfPresent(Bool.self, forKey: .normalizedCodes)
        let input = try c.decodeIfPresent(String.self, forKey: .encoderInput)
            ?? (try c.decodeIfPresent(Bool.self, forKey: .encoderReadsMotion) == true ? "motion"
                : try c.decodeIfPresent(Bool.self, forKey: .encoderReadsFrames) == true ? "frames" : "changes")
        guard input == Self.encoderInput else {
            throw ModelConfigurationError("this LAM's encoder reads \"\(input)\", an input genie no longer supports (only \"motion\")")
        }
        guard try c.decodeIfPresent(Bool.self, forKey: .decoderHistory) != false else {
            throw ModelConfigurationError("this LAM's decoder sees no past frames, a variant genie no longer supports")
        }
        changedPixelWeight = try c.decodeIfPresent(Float.self, forKey: .changedPixelWeight)
        labelledActions = try c.decodeIfPresent(Int.self, forKey: .labelledActions)
        actionLabelWeight = try c.decodeIfPresent(Float.self, forKey: .actionLabelWeight)
        encoder = try c.decode(TransformerConfig.self, forKey: .encoder)
        self.decoder = try c.decode(TransformerConfig.self, forKey: .decoder)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(frameHeight, forKey: .frameHeight)
        try c.encode(frameWidth, forKey: .frameWidth)
        try c.encode(channels, forKey: .channels)
        try c.encode(patch, forKey: .patch)
        try c.encode(actions, forKey: .actions)
        try c.encode(latentDimension, forKey: .latentDimension)
        try c.encode(commitment, forKey: .commitment)
        try c.encodeIfPresent(normalizedCodes, forKey: .normalizedCodes)
        try c.encode(Self.encoderInput, forKey: .encoderInput)
        try c.encodeIfPresent(changedPixelWeight, forKey: .changedPixelWeight)
        try c.encodeIfPresent(labelledActions, forKey: .labelledActions)
        try c.encodeIfPresent(actionLabelWeight, forKey: .actionLabelWeight)
        try c.encode(self.encoder, forKey: .encoder)
        try c.encode(decoder, forKey: .decoder)
    }
}

/// The latent action model (Genie §2.1): a VQ-VAE over actions. The encoder reads frames
/// x₁…x_{t+1} and emits one latent per transition, quantised to one of |A| codes; the
/// decoder sees only x₁…x_t and the codes and must reconstruct x_{t+1}, so the code has
/// to carry what changed. Used in training only: at play time the player's key replaces it.
public final class LatentActionModel: Module {
    public let config: LatentActionConfig
    public let encoderPatchEmbedding: Linear
    public let encoderPositions: Parameter
    public let encoder: STTransformer
    public let toLatent: Linear
    public let quantizer: VectorQuantizer
    public let decoderPatchEmbedding: Linear
    public let decoderPositions: Parameter
    public let actionEmbedding: Linear
    public let decoder: STTransformer
    public let toPixels: Linear
    /// Names the true action from the latent the quantiser sees (with `labelledActions`).
    public let actionReader: Linear?

    public init(_ config: LatentActionConfig, seed: UInt64) {
        self.config = config
        var g = RandomGenerator(seed: seed)
        let s = config.tokensPerFrame
        encoderPatchEmbedding = Linear(config.encoderValuesPerToken, config.encoder.width, generator: &g)
        encoderPositions = Parameter([s, config.encoder.width], std: 0.02, generator: &g)
        encoder = STTransformer(config.encoder, generator: &g)
        toLatent = Linear(s * config.encoder.width, config.latentDimension, generator: &g)
        quantizer = VectorQuantizer(codes: config.actions, dimension: config.latentDimension, commitment: config.commitment,
                                    restartAfter: 50, normalized: config.normalizedCodes ?? false, generator: &g)
        decoderPatchEmbedding = Linear(config.patchValues, config.decoder.width, generator: &g)
        decoderPositions = Parameter([s, config.decoder.width], std: 0.02, generator: &g)
        actionEmbedding = Linear(config.latentDimension, config.decoder.width, generator: &g)
        decoder = STTransformer(config.decoder, generator: &g)
        toPixels = Linear(config.decoder.width, config.patchValues, generator: &g)
        // Drawn last, so that a LAM without it starts from the same weights as before.
        actionReader = config.labelledActions.map { Linear(config.latentDimension, $0, generator: &g) }
    }

    func patches(_ frames: Tensor) -> Tensor { patchify(add(scale(frames, 2), Tensor.scalar(-1)), patch: config.patch) }

    /// What the encoder reads: each frame's change from the previous frame and the change's
    /// direction, as patch tokens [B, T, S, 3·p²·C] (per patch, the p²·C changes, then the
    /// p²·C horizontal products, then the p²·C vertical ones; zero for the first frame).
    ///
    /// The change alone cannot tell left from right (a scene shifted 2 px either way leaves
    /// bands of the same kind at its edges), and the frame beside its change let the codes
    /// settle on what the scene looks like. The products Δ·∂m/∂x and Δ·∂m/∂y with the
    /// spatial gradient of m = (x_t + x_{t+1})/2 are the normal-flow term of optical flow:
    /// their sign says which way an edge moved, and all three vanish where nothing changed.
    func motion(_ frames: Tensor) -> Tensor {
        concatenate(motionParts(frames).map { patchify($0, patch: config.patch) }, axis: 3)
    }

    /// Pixel-shaped [2Δ, 4Δ·∂m/∂x, 4Δ·∂m/∂y] for frames [B, T, H, W, C] (zero at t = 0).
    func motionParts(_ frames: Tensor) -> [Tensor] {
        let (b, t, h, w, c) = (frames.shape[0], frames.shape[1], frames.shape[2], frames.shape[3], frames.shape[4])
        let frameSize = h * w * c
        let parts = (0..<3).map { _ in Tensor(shape: frames.shape) }
        for bt in 0..<(b * t) where bt % t > 0 {
            let now = frames.data + bt * frameSize, before = now - frameSize
            let change = parts[0].data + bt * frameSize
            for i in 0..<frameSize { change[i] = 2 * (now[i] - before[i]) }
            let alongX = parts[1].data + bt * frameSize, alongY = parts[2].data + bt * frameSize
            // Mean of the two frames at (x, y), clamped at the borders.
            func mean(_ x: Int, _ y: Int, _ k: Int) -> Float {
                let i = (min(max(y, 0), h - 1) * w + min(max(x, 0), w - 1)) * c + k
                return 0.5 * (now[i] + before[i])
            }
            for y in 0..<h {
                for x in 0..<w {
                    for k in 0..<c {
                        let i = (y * w + x) * c + k
                        let delta = now[i] - before[i]
                        // Central differences; ×4 brings the products to the scale of the change.
                        alongX[i] = 4 * delta * (mean(x + 1, y, k) - mean(x - 1, y, k))
                        alongY[i] = 4 * delta * (mean(x, y + 1, k) - mean(x, y - 1, k))
                    }
                }
            }
        }
        return parts
    }

    /// Continuous action latents [B, T−1, latentDimension] for frames [B, T, H, W, C]:
    /// latent t belongs to the transition t → t+1 and is read from the encoder's output at
    /// frame t+1, which (causal in time) has seen frames 0…t+1 only. All S tokens of that
    /// output feed the latent (a mean over them would wash out where things moved).
    public func encodeContinuous(_ frames: Tensor) -> Tensor {
        let (b, t) = (frames.shape[0], frames.shape[1])
        let x = add(encoderPatchEmbedding(motion(frames.detached())), encoderPositions.value)
        let h = encoder(x)                                                          // [B, T, S, width]
        let flat = reshape(h, [b, t, config.tokensPerFrame * config.encoder.width])
        let latents = toLatent(slice(flat, axis: 1, 1..<t))                          // [B, T−1, latent]
        precondition(latents.shape == [b, t - 1, config.latentDimension])
        return latents
    }

    /// The latent action index of each transition, laid out [B, T−1].
    public func inferActions(_ frames: Tensor) -> [Int32] {
        withoutGradient { quantizer(encodeContinuous(frames)).indices }
    }

    /// The latent action of every transition of one clip [1, T, H, W, C] of any length, read
    /// in windows of `window` frames that share their edge frames: the temporal attention
    /// saw clips of the training length.
    public func inferActions(_ frames: Tensor, window: Int) -> [Int32] {
        let n = frames.shape[1]
        var actions: [Int32] = [], start = 0
        while start < n - 1 {
            let length = min(window, n - start)
            actions += inferActions(slice(frames, axis: 1, start..<(start + length)))
            start += length - 1
        }
        return actions
    }

    /// Predicts frames 1…T−1 from frames 0…T−2 and the action vectors [B, T−1, latent].
    ///
    /// The decoder predicts the change: x̂_{t+1} = x_t + Δ. Copying the unchanged
    /// background is then free, so the reconstruction loss is spent on what moved — which
    /// is exactly what the action code can explain.
    public func decode(pastFrames: Tensor, actionVectors: Tensor) -> Tensor {
        let x = add(decoderPatchEmbedding(patches(pastFrames)), decoderPositions.value)
        let (b, t) = (actionVectors.shape[0], actionVectors.shape[1])
        // Action t is added to every token of frame t, whose output predicts frame t+1.
        let actions = reshape(actionEmbedding(actionVectors), [b, t, 1, config.decoder.width])
        let tokens = reshape(toPixels(decoder(add(x, actions))), [b, t, config.tokensPerFrame, config.patchValues])
        let change = unpatchify(tokens, patch: config.patch, height: config.frameHeight, width: config.frameWidth, channels: config.channels)
        return add(pastFrames.detached(), scale(change, 0.5))
    }

    /// One training forward on a clip [B, T, H, W, C]: reconstruct frames 1…T−1.
    ///
    /// `continuous` skips the quantiser: the decoder gets the encoder's latent itself (unit
    /// length with cosine codes). A warm-up phase: through a continuous latent the decoder's
    /// gradient reaches the encoder whole, so the two learn to pass the motion (which way
    /// as well as whether) before k-means turns the latents into 8 codes.
    /// `changedPixels`: with a changed-pixel weight, the changed and all pixels of the whole
    /// batch when `frames` is one share of it (data-parallel training), so that the weights
    /// are scaled as for the whole batch; default: those of `frames`.
    static let cosineReaderScale: Float = 10

    /// `labels`: true actions of some transitions, for the action reader's loss
    /// (`LatentActionOutput.labelLoss`, apart from `loss`: it is averaged over the labelled
    /// transitions of the whole batch).
    public func trainingLoss(_ frames: Tensor, continuous: Bool = false,
                             changedPixels: (changed: Int, total: Int)? = nil,
                             labels: TransitionLabels? = nil) -> LatentActionOutput {
        let t = frames.shape[1]
        let z = encodeContinuous(frames)
        var q = quantizer(z)
        if continuous {
            let vectors = config.normalizedCodes == true ? l2Normalize(z) : z
            q = Quantized(vectors: vectors, loss: Tensor.scalar(0), indices: q.indices, distances: q.distances)
        }
        let past = slice(frames, axis: 1, 0..<(t - 1)), future = slice(frames, axis: 1, 1..<t).detached()
        let prediction = decode(pastFrames: past, actionVectors: q.vectors)
        let mse = meanSquaredError(prediction, future)
        var reconstruction = mse
        if let weight = config.changedPixelWeight, weight != 1 {
            // √w on both sides: mean(w·(x̂ − x)²), with w scaled to mean 1 so the loss keeps its size.
            let w = Tensor(shape: future.shape)
            let before = past.data
            for i in 0..<w.count { w.data[i] = abs(future.data[i] - before[i]) > 0.5 / 255 ? weight : 1 }
            // Counted in integers, so that shares of a batch add up to the batch exactly.
            let (changed, total) = changedPixels ?? Self.changedPixels(frames)
            let meanWeight = Float((Double(weight) * Double(changed) + Double(total - changed)) / Double(max(total, 1)))
            for i in 0..<w.count { w.data[i] = (w.data[i] / meanWeight).squareRoot() }
            reconstruction = meanSquaredError(mul(prediction, w), mul(future, w))
        }
        var labelLoss: Tensor? = nil
        if let labels, let reader = actionReader {
            // Unit-length latents give logits no larger than the reader's weights, which grow
            // slowly at the LAM's rates: a cosine classifier's fixed scale lets it be sure.
            let seen = config.normalizedCodes == true ? scale(l2Normalize(z), Self.cosineReaderScale) : z
            let logits = reshape(reader(seen), [labels.targets.count, reader.weight.shape[1]])
            labelLoss = scale(crossEntropy(logits, targets: labels.targets, mask: labels.mask, averagedOver: labels.batchCount),
                              config.actionLabelWeight ?? 1)
        }
        return LatentActionOutput(loss: add(reconstruction, q.loss), labelLoss: labelLoss, reconstructionError: mse.item,
                                  prediction: prediction, latents: z, actions: q.indices)
    }

    /// Pixel values of frames 1… of `frames` [B, T, H, W, 3] that differ from the frame before
    /// by more than half a level (the changed pixels the reconstruction loss weights), and all
    /// pixel values of those frames.
    public static func changedPixels(_ frames: Tensor) -> (changed: Int, total: Int) {
        let perTransition = changedPixelValues(frames)
        return (perTransition.reduce(0, +), perTransition.count * frames.count / max(frames.shape[0] * frames.shape[1], 1))
    }

    /// The changed pixel values of each transition, laid out [B, T−1].
    public static func changedPixelValues(_ frames: Tensor) -> [Int] {
        let (b, t) = (frames.shape[0], frames.shape[1]), frameSize = frames.count / max(b * t, 1)
        var counts: [Int] = []
        for clip in 0..<b {
            for time in 1..<t {
                let now = frames.data + (clip * t + time) * frameSize, before = now - frameSize
                var changed = 0
                for i in 0..<frameSize where abs(now[i] - before[i]) > 0.5 / 255 { changed += 1 }
                counts.append(changed)
            }
        }
        return counts
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        scoped("encoderPatchEmbedding", encoderPatchEmbedding) + scoped("encoderPositions", encoderPositions)
            + scoped("encoder", encoder) + scoped("toLatent", toLatent) + scoped("quantizer", quantizer)
            + scoped("decoderPatchEmbedding", decoderPatchEmbedding) + scoped("decoderPositions", decoderPositions)
            + scoped("actionEmbedding", actionEmbedding) + scoped("decoder", decoder) + scoped("toPixels", toPixels)
            + (actionReader.map { scoped("actionReader", $0) } ?? [])
    }
}

/// True actions of a batch's transitions, laid out [B, T−1], for the LAM's action reader.
public struct TransitionLabels {
    public var targets: [Int32]
    /// Which transitions have a label (the others add nothing).
    public var mask: [Bool]
    /// Labelled transitions in the whole batch, of which these are a share (data-parallel training).
    public var batchCount: Int

    public init(targets: [Int32], mask: [Bool], batchCount: Int) {
        precondition(targets.count == mask.count)
        self.targets = targets; self.mask = mask; self.batchCount = batchCount
    }
}

/// What one LAM training forward produces.
public struct LatentActionOutput {
    public let loss: Tensor
    /// The action reader's weighted loss (with labels), averaged over the whole batch's labelled transitions.
    public let labelLoss: Tensor?
    public let reconstructionError: Float
    public let prediction: Tensor
    public let latents: Tensor
    public let actions: [Int32]
}

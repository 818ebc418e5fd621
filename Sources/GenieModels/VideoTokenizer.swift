import GenieTensor

/// Configuration of the video tokenizer; stored in checkpoints so that a checkpoint alone
/// rebuilds its model.
public struct TokenizerConfig: PatchedFrames, Codable, Sendable, Equatable {
    public var frameHeight = 64
    public var frameWidth = 64
    public var channels = 3
    /// Side of the square pixel patch one token stands for: the main speed/quality knob.
    public var patch = 8
    public var codebookSize = 1024
    public var codeDimension = 32
    public var commitment: Float = 0.25
    /// Cosine codes were an ablation that lost (docs/runs.md): the key is read only so that
    /// `validate()` refuses a checkpoint that used them instead of loading it as plain codes.
    public var normalizedCodes: Bool?
    public var encoder = TransformerConfig(width: 128, depth: 4, heads: 4)
    public var decoder = TransformerConfig(width: 128, depth: 4, heads: 4)

    public init() {}
}

/// The video tokenizer (Genie §2.1): a VQ-VAE whose ST-transformer encoder turns T frames
/// into T × (h·w) discrete codes and whose ST-transformer decoder turns codes back into
/// pixels. Temporal attention is causal, so frame t's codes depend only on frames ≤ t.
public final class VideoTokenizer: Module {
    public let config: TokenizerConfig
    public let patchEmbedding: Linear
    public let encoderPositions: Parameter
    public let encoder: STTransformer
    public let toCode: Linear
    public let quantizer: VectorQuantizer
    public let fromCode: Linear
    public let decoderPositions: Parameter
    public let decoder: STTransformer
    public let toPixels: Linear

    public init(_ config: TokenizerConfig, seed: UInt64) {
        precondition(config.frameHeight % config.patch == 0 && config.frameWidth % config.patch == 0, "frame size must divide into patches")
        self.config = config
        var g = RandomGenerator(seed: seed)
        let s = config.tokensPerFrame
        patchEmbedding = Linear(config.patchValues, config.encoder.width, generator: &g)
        encoderPositions = Parameter([s, config.encoder.width], std: 0.02, generator: &g)
        encoder = STTransformer(config.encoder, generator: &g)
        toCode = Linear(config.encoder.width, config.codeDimension, generator: &g)
        quantizer = VectorQuantizer(codes: config.codebookSize, dimension: config.codeDimension, commitment: config.commitment, generator: &g)
        fromCode = Linear(config.codeDimension, config.decoder.width, generator: &g)
        decoderPositions = Parameter([s, config.decoder.width], std: 0.02, generator: &g)
        decoder = STTransformer(config.decoder, generator: &g)
        toPixels = Linear(config.decoder.width, config.patchValues, generator: &g)
    }

    /// Pixels in [0, 1] → the network's range [−1, 1], as patch tokens [B, T, S, p·p·C].
    func patches(_ frames: Tensor) -> Tensor {
        patchify(add(scale(frames, 2), Tensor.scalar(-1)), patch: config.patch)
    }

    /// Continuous encoder outputs [B, T, S, codeDimension] for frames [B, T, H, W, C] in [0, 1].
    /// With a `cache`, one frame encoded after the cached ones (committing it is the caller's).
    public func encodeContinuous(_ frames: Tensor, cache: TransformerCache? = nil) -> Tensor {
        let x = add(patchEmbedding(patches(frames)), encoderPositions.value)
        return toCode(encoder(x, cache: cache))
    }

    /// Discrete codes [B·T·S] (row-major over B, T, S) of frames [B, T, H, W, C].
    public func encode(_ frames: Tensor, cache: TransformerCache? = nil) -> [Int32] {
        withoutGradient { quantizer(encodeContinuous(frames, cache: cache)).indices }
    }

    /// Pixels [B, T, H, W, C] in about [0, 1] from code vectors [B, T, S, codeDimension].
    /// With a `cache` (play), one frame decoded after the cached ones (see `DecoderStream`).
    public func decode(vectors: Tensor, timeOffset: Int = 0, cache: TransformerCache? = nil) -> Tensor {
        let x = add(fromCode(vectors), decoderPositions.value)
        let tokens = toPixels(decoder(x, timeOffset: timeOffset, cache: cache))
        let (b, t) = (vectors.shape[0], vectors.shape[1])
        let frames = unpatchify(tokens, patch: config.patch, height: config.frameHeight, width: config.frameWidth, channels: config.channels)
        precondition(frames.shape == [b, t, config.frameHeight, config.frameWidth, config.channels])
        return add(scale(frames, 0.5), Tensor.scalar(0.5))
    }

    /// Pixels from discrete codes laid out [B, T, S].
    public func decode(codes: [Int32], batch: Int, frames: Int) -> Tensor {
        withoutGradient {
            decode(vectors: quantizer.vectors(codes, shape: [batch, frames, config.tokensPerFrame]))
        }
    }

    /// One training forward: reconstruction MSE plus the VQ losses. With `codesFrozen` the
    /// encoder and codebook are held fixed and the loss is the reconstruction alone: the
    /// decoder learns from codes that stay the same, so a dynamics model trained on them
    /// keeps working with the new decoder.
    public func trainingLoss(_ frames: Tensor, codesFrozen: Bool = false) -> TokenizerOutput {
        let encodeAndQuantize = { let z = self.encodeContinuous(frames); return (z, self.quantizer(z)) }
        let (z, q) = codesFrozen ? withoutGradient(encodeAndQuantize) : encodeAndQuantize()
        let reconstruction = decode(vectors: q.vectors)
        let mse = meanSquaredError(reconstruction, frames)
        return TokenizerOutput(loss: codesFrozen ? mse : add(mse, q.loss), reconstructionError: mse.item, quantizationLoss: q.loss.item,
                               reconstruction: reconstruction, encoderOutput: z, indices: q.indices)
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        scoped("patchEmbedding", patchEmbedding) + scoped("encoderPositions", encoderPositions) + scoped("encoder", encoder)
            + scoped("toCode", toCode) + scoped("quantizer", quantizer) + decoderParameters()
    }

    /// The weights that turn code vectors into pixels (what `trainingLoss(codesFrozen:)` trains).
    public func decoderParameters() -> [(name: String, tensor: Tensor)] {
        scoped("fromCode", fromCode) + scoped("decoderPositions", decoderPositions) + scoped("decoder", decoder) + scoped("toPixels", toPixels)
    }
}

/// What one tokenizer training forward produces.
public struct TokenizerOutput {
    public let loss: Tensor
    public let reconstructionError: Float
    public let quantizationLoss: Float
    public let reconstruction: Tensor
    public let encoderOutput: Tensor
    public let indices: [Int32]
}

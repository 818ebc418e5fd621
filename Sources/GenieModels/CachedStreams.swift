import GenieMedia
import GenieTensor

/// The dynamics model run one frame at a time with a temporal KV cache: every MaskGIT
/// iteration of a new frame costs one frame's tokens; past frames are never recomputed.
///
/// Each ST block's temporal attention sees the frame being generated plus the `window − 1`
/// frames before it, as that block saw them when they were committed (see docs/inference.md
/// for how this differs from re-running the last `window` frames from scratch).
public final class DynamicsStream {
    public let model: DynamicsModel
    public let cache: TransformerCache

    public init(model: DynamicsModel, window: Int) {
        self.model = model
        cache = TransformerCache(model.config.transformer, tokens: model.config.tokensPerFrame, window: window)
    }

    /// Absolute index of the frame the next call computes.
    public var nextFrame: Int { cache.nextFrame }

    /// Input embedding [1, 1, S, d] of one frame: its tokens (mask token where masked),
    /// spatial positions, and the action that led to it (`model.noAction` for frame 0).
    func embedFrame(tokens: [Int32], action: Int32) -> Tensor {
        let s = model.config.tokensPerFrame
        precondition(tokens.count == s, "dynamics: \(tokens.count) tokens for a frame of \(s)")
        precondition(action >= 0 && action <= model.noAction, "dynamics: action \(action) outside 0...\(model.noAction)")
        let x = add(model.tokenEmbedding(tokens, shape: [1, 1, s]), model.spatialPositions.value)
        return add(x, model.actionEmbedding([action], shape: [1, 1, 1]))
    }

    /// Logits [1, 1, S, K] of the frame being generated, given its partly masked tokens and
    /// the action into it. Recomputes only this frame; commits nothing.
    public func logits(tokens: [Int32], action: Int32) -> Tensor {
        withoutGradient { model.head(model.transformer.forwardFrame(embedFrame(tokens: tokens, action: action), cache: cache)) }
    }

    /// Adds a final frame (a prompt frame, or a generated one) to the context: one pass to
    /// compute its keys and values as an unmasked frame, then commit them.
    public func append(tokens: [Int32], action: Int32) {
        withoutGradient { _ = model.transformer.forwardFrame(embedFrame(tokens: tokens, action: action), cache: cache) }
        cache.commit()
    }

    /// MaskGIT decoding of the next frame's tokens under `action` (same schedule and sampler
    /// as `generateNextFrame`), without adding the frame to the context.
    public func sampleTokens(action: Int32, settings: MaskGITSettings, generator: inout RandomGenerator) -> [Int32] {
        let s = model.config.tokensPerFrame, k = model.config.codebookSize
        var tokens = [Int32](repeating: model.maskToken, count: s)
        var masked = [Bool](repeating: true, count: s)
        for i in 0..<settings.iterations {
            let input = zip(tokens, masked).map { $1 ? model.maskToken : $0 }
            let out = logits(tokens: input, action: action)
            let keep = maskedAfterIteration(i, of: settings.iterations, total: s)
            maskGITStep(logits: out.data, codes: k, tokens: &tokens, masked: &masked, keepMasked: keep,
                        temperature: settings.temperature, generator: &generator)
        }
        return tokens
    }

    /// Generates the next frame's tokens and adds the frame to the context.
    public func generate(action: Int32, settings: MaskGITSettings, generator: inout RandomGenerator) -> [Int32] {
        let tokens = sampleTokens(action: action, settings: settings, generator: &generator)
        append(tokens: tokens, action: action)
        return tokens
    }
}

/// The tokenizer's decoder run one frame at a time with a temporal KV cache: decoding a new
/// frame costs one frame's tokens, whatever came before.
public final class DecoderStream {
    public let tokenizer: VideoTokenizer
    public let cache: TransformerCache

    public init(tokenizer: VideoTokenizer, window: Int) {
        self.tokenizer = tokenizer
        cache = TransformerCache(tokenizer.config.decoder, tokens: tokenizer.config.tokensPerFrame, window: window)
    }

    /// Pixels [1, 1, H, W, C] in about [0, 1] of the next frame's codes; commits the frame.
    public func decodePixels(codes: [Int32]) -> Tensor {
        let c = tokenizer.config
        precondition(codes.count == c.tokensPerFrame, "decoder: \(codes.count) codes for a frame of \(c.tokensPerFrame)")
        let pixels = withoutGradient { () -> Tensor in
            let x = add(tokenizer.fromCode(tokenizer.quantizer.vectors(codes, shape: [1, 1, c.tokensPerFrame])),
                        tokenizer.decoderPositions.value)
            let tokens = tokenizer.toPixels(tokenizer.decoder.forwardFrame(x, cache: cache))
            let frames = unpatchify(tokens, patch: c.patch, height: c.frameHeight, width: c.frameWidth, channels: c.channels)
            return add(scale(frames, 0.5), Tensor.scalar(0.5))
        }
        cache.commit()
        return pixels
    }

    /// The next frame as 8-bit RGB; commits the frame.
    public func decode(codes: [Int32]) -> Frame { rgbFrame(decodePixels(codes: codes), index: 0) }
}

/// Frame `index` of a [.., H, W, 3] tensor of values in [0, 1], rounded to 8-bit RGB.
public func rgbFrame(_ pixels: Tensor, index: Int) -> Frame {
    let h = pixels.shape[pixels.rank - 3], w = pixels.shape[pixels.rank - 2]
    precondition(pixels.shape[pixels.rank - 1] == 3, "rgbFrame needs 3 channels")
    let size = h * w * 3
    let src = pixels.data + index * size
    var bytes = [UInt8](repeating: 0, count: size)
    for i in 0..<size { bytes[i] = UInt8(max(0, min(255, (src[i] * 255).rounded()))) }
    return Frame(width: w, height: h, pixels: bytes)
}

/// Frames as a [1, T, H, W, 3] tensor of values in [0, 1] (the tokenizer's input).
public func unitTensor(_ frames: [Frame]) -> Tensor {
    precondition(!frames.isEmpty)
    let h = frames[0].height, w = frames[0].width, size = h * w * 3
    let out = Tensor(shape: [1, frames.count, h, w, 3], zeroed: false)
    for (t, frame) in frames.enumerated() {
        precondition(frame.width == w && frame.height == h, "frames of different sizes")
        let dst = out.data + t * size
        for i in 0..<size { dst[i] = Float(frame.pixels[i]) * (1 / 255) }
    }
    return out
}

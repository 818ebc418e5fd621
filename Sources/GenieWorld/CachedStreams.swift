import GenieMedia
import GenieModels
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

    /// Logits [M, K] at `positions` (all S by default) of the frame being generated, given its
    /// partly masked tokens and the action into it. Recomputes only this frame; commits nothing.
    public func logits(tokens: [Int32], action: Int32, at positions: [Int32]? = nil) -> Tensor {
        withoutGradient { model.logits(frameTokens: tokens, action: action, cache: cache, at: positions) }
    }

    /// Adds a final frame (a prompt frame, or a generated one) to the context: one pass to
    /// compute its keys and values as an unmasked frame (no logits needed), then commit them.
    public func append(tokens: [Int32], action: Int32) {
        withoutGradient { model.writeKeysAndValues(frameTokens: tokens, action: action, cache: cache) }
        cache.commit()
    }

    /// MaskGIT decoding of the next frame's tokens under `action`, without adding the frame
    /// to the context.
    public func sampleTokens(action: Int32, settings: MaskGITSettings, generator: inout RandomGenerator) -> [Int32] {
        var out = Tensor.scalar(0)
        return maskGITDecode(model: model, settings: settings, generator: &generator) { tokens, masked in
            out = logits(tokens: tokens, action: action, at: masked)
            return UnsafePointer(out.data)
        }
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
        let pixels = withoutGradient {
            tokenizer.decode(vectors: tokenizer.quantizer.vectors(codes, shape: [1, 1, c.tokensPerFrame]), cache: cache)
        }
        cache.commit()
        return pixels
    }

    /// The next frame as 8-bit RGB; commits the frame.
    public func decode(codes: [Int32]) -> Frame { rgbFrame(decodePixels(codes: codes), index: 0) }
}

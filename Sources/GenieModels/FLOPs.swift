/// Analytic floating-point operation counts, for benchmarks' achieved GFLOP/s.
/// A multiply-add counts as 2; training counts as 3 × forward (backward ≈ 2 × forward).
public enum FLOPs {
    /// Forward FLOPs of an ST-transformer on a [B, T, S, d] grid.
    public static func stTransformer(_ c: TransformerConfig, batch b: Int, frames t: Int, tokens s: Int) -> Double {
        let n = Double(b * t * s), d = Double(c.width)
        let projections = 2 * n * d * d * 8        // q, k, v, o for two attentions
        let feedForward = 2 * n * d * d * Double(2 * c.feedForwardMultiple)
        let spatial = 4 * n * Double(s) * d        // QKᵀ and PV over the S tokens of a frame
        let temporal = 4 * n * Double(t) * d * 0.5 // causal: half the T×T square on average
        return Double(c.depth) * (projections + feedForward + spatial + temporal)
    }

    public static func tokenizerTraining(_ c: TokenizerConfig, batch b: Int, frames t: Int) -> Double {
        let s = c.tokensPerFrame, n = Double(b * t * s)
        let linear = 2 * n * Double(c.patchValues * c.encoder.width + c.encoder.width * c.codeDimension
            + c.codeDimension * c.decoder.width + c.decoder.width * c.patchValues)
        let vq = 2 * n * Double(c.codebookSize * c.codeDimension) / 3  // forward only
        return 3 * (stTransformer(c.encoder, batch: b, frames: t, tokens: s) + stTransformer(c.decoder, batch: b, frames: t, tokens: s) + linear + vq)
    }

    public static func latentActionTraining(_ c: LatentActionConfig, batch b: Int, frames t: Int) -> Double {
        let s = c.tokensPerFrame, n = Double(b * t * s)
        // Encoder input (changes), decoder input and output, the latent read from all S
        // tokens of a frame.
        let linear = 2 * n * Double(3 * c.patchValues * c.encoder.width) + 2 * Double(b * t) * Double(s * c.encoder.width * c.latentDimension)
        return 3 * (stTransformer(c.encoder, batch: b, frames: t, tokens: s) + stTransformer(c.decoder, batch: b, frames: t - 1, tokens: s) + linear)
    }

    public static func dynamicsTraining(_ c: DynamicsConfig, batch b: Int, frames t: Int) -> Double {
        let n = Double(b * t * c.tokensPerFrame)
        let head = 2 * n * Double(c.transformer.width * c.codebookSize)
        return 3 * (stTransformer(c.transformer, batch: b, frames: t, tokens: c.tokensPerFrame) + head)
    }
}

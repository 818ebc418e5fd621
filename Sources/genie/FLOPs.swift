import GenieModels

/// Analytic floating-point operation counts, for benchmarks' achieved GFLOP/s.
/// A multiply-add counts as 2; training counts as 3 × forward (backward ≈ 2 × forward).
enum FLOPs {
    /// Forward FLOPs of an ST-transformer over `tokens` query tokens, each attending to the
    /// `s` tokens of its frame and to `keyFrames` frames (on average) in time.
    static func stTransformer(_ c: TransformerConfig, tokens n: Double, frameTokens s: Int, keyFrames: Double) -> Double {
        let d = Double(c.width)
        let projections = 2 * n * d * d * 8         // q, k, v, o for two attentions
        let feedForward = 2 * n * d * d * Double(2 * c.feedForwardMultiple)
        let spatial = 4 * n * Double(s) * d         // QKᵀ and PV over the S tokens of a frame
        let temporal = 4 * n * keyFrames * d
        return Double(c.depth) * (projections + feedForward + spatial + temporal)
    }

    /// Forward FLOPs of an ST-transformer on a [B, T, S, d] grid (causal in time: half the
    /// T×T square on average).
    static func stTransformer(_ c: TransformerConfig, batch b: Int, frames t: Int, tokens s: Int) -> Double {
        stTransformer(c, tokens: Double(b * t * s), frameTokens: s, keyFrames: 0.5 * Double(t))
    }

    /// Forward FLOPs of one played frame: `iterations` dynamics passes, each with the head on
    /// the tokens still masked; one commit pass that stops at the last block's temporal keys
    /// and values; one decoder pass; cached temporal attention over full windows.
    static func playFrame(tokenizer tc: TokenizerConfig, dynamics dc: DynamicsConfig, iterations: Int,
                          dynamicsWindow: Int, decoderWindow: Int) -> Double {
        let s = dc.tokensPerFrame, n = Double(s), d = Double(dc.transformer.width)
        let dynamicsPass = stTransformer(dc.transformer, tokens: n, frameTokens: s, keyFrames: Double(dynamicsWindow))
        let scoredRows = s + (0..<max(iterations - 1, 0)).reduce(0) { $0 + maskedAfterIteration($1, of: iterations, total: s) }
        let head = 2 * Double(scoredRows) * d * Double(dc.codebookSize)
        // What a commit leaves out of the last block: temporal attention and its output
        // projection, and the feed-forward.
        let lastBlockTail = 4 * n * Double(dynamicsWindow) * d + 2 * n * d * d * Double(1 + 2 * dc.transformer.feedForwardMultiple)
        let decoder = stTransformer(tc.decoder, tokens: n, frameTokens: s, keyFrames: Double(decoderWindow))
            + 2 * Double(s * (tc.codeDimension * tc.decoder.width + tc.decoder.width * tc.patchValues))
        return Double(iterations) * dynamicsPass + head + (dynamicsPass - lastBlockTail) + decoder
    }

    static func tokenizerTraining(_ c: TokenizerConfig, batch b: Int, frames t: Int) -> Double {
        let s = c.tokensPerFrame, n = Double(b * t * s)
        let linear = 2 * n * Double(c.patchValues * c.encoder.width + c.encoder.width * c.codeDimension
            + c.codeDimension * c.decoder.width + c.decoder.width * c.patchValues)
        let vq = 2 * n * Double(c.codebookSize * c.codeDimension) / 3  // forward only
        return 3 * (stTransformer(c.encoder, batch: b, frames: t, tokens: s) + stTransformer(c.decoder, batch: b, frames: t, tokens: s) + linear + vq)
    }

    static func latentActionTraining(_ c: LatentActionConfig, batch b: Int, frames t: Int) -> Double {
        let s = c.tokensPerFrame, n = Double(b * t * s)
        // Encoder input (changes), decoder input and output, the latent read from all S
        // tokens of a frame.
        let linear = 2 * n * Double(3 * c.patchValues * c.encoder.width) + 2 * Double(b * t) * Double(s * c.encoder.width * c.latentDimension)
        return 3 * (stTransformer(c.encoder, batch: b, frames: t, tokens: s) + stTransformer(c.decoder, batch: b, frames: t - 1, tokens: s) + linear)
    }

    static func dynamicsTraining(_ c: DynamicsConfig, batch b: Int, frames t: Int) -> Double {
        let n = Double(b * t * c.tokensPerFrame)
        let head = 2 * n * Double(c.transformer.width * c.codebookSize)
        return 3 * (stTransformer(c.transformer, batch: b, frames: t, tokens: c.tokensPerFrame) + head)
    }
}

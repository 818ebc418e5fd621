import Foundation
import GenieTensor

/// Settings of MaskGIT decoding.
public struct MaskGITSettings: Codable, Sendable, Equatable {
    /// Number of refinement iterations per frame.
    public var iterations = 8
    /// Sampling temperature (0 = always the most likely code).
    public var temperature: Float = 1.0
    public init(iterations: Int = 8, temperature: Float = 1.0) { self.iterations = iterations; self.temperature = temperature }
}

/// How many of `total` tokens stay masked after iteration `i` (0-based) of `k`, on the cosine
/// schedule of MaskGIT: many tokens are committed late, when context is richest.
public func maskedAfterIteration(_ i: Int, of k: Int, total: Int) -> Int {
    let fraction = Foundation.cos(Double.pi / 2 * Double(i + 1) / Double(k))
    return i + 1 >= k ? 0 : max(0, min(total - 1, Int((Double(total) * fraction).rounded(.down))))
}

/// One MaskGIT iteration over the S tokens of the frame being generated.
///
/// `logits` holds [M, K] scores, one row for each still-masked token in the order of their
/// positions (committed tokens need none). Every still-masked token draws a code (at the
/// given temperature) and its probability is its confidence; the most confident are
/// committed until only `keepMasked` stay masked. Committed tokens never change.
public func maskGITStep(logits: UnsafePointer<Float>, codes k: Int, tokens: inout [Int32], masked: inout [Bool],
                        keepMasked: Int, temperature: Float, generator: inout RandomGenerator) {
    let s = tokens.count
    var candidates: [(index: Int, code: Int32, confidence: Float)] = []
    var probabilities = [Float](repeating: 0, count: k)
    probabilities.withUnsafeMutableBufferPointer { p in
        let probability = p.baseAddress!
        var scored = 0
        for i in 0..<s where masked[i] {
            let row = logits + scored * k
            scored += 1
            probability.update(from: row, count: k)
            var code: Int
            if temperature <= 0 {
                code = argmax(row, count: k)
                softmaxInPlace(probability, count: k)
            } else {
                softmaxInPlace(probability, count: k, scale: 1 / temperature)
                // Inverse CDF; a u past the rounded total falls to the last code that can be drawn.
                let u = generator.nextFloat()
                var acc: Float = 0
                code = -1
                for j in 0..<k where probability[j] > 0 {
                    code = j
                    acc += probability[j]
                    if acc > u { break }
                }
                // No code drawable (non-finite logits): the most likely, as at temperature 0.
                if code < 0 { code = argmax(row, count: k) }
            }
            candidates.append((i, Int32(code), probability[code]))
        }
    }
    let commit = candidates.count - min(keepMasked, candidates.count)
    // Most confident first; ties broken by position so the result is deterministic.
    candidates.sort { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : $0.index < $1.index }
    for c in candidates.prefix(commit) {
        tokens[c.index] = c.code
        masked[c.index] = false
    }
}

/// MaskGIT decoding of one frame's S tokens: all start masked; each of `settings.iterations`
/// rounds scores the frame and commits the most confident draws, on the cosine schedule.
/// `frameLogits` gives [M, K] logits of the partly masked frame `tokens` at the M positions
/// still masked, `masked` (ascending): the rounds after the first need fewer than S rows.
public func maskGITDecode(model: DynamicsModel, settings: MaskGITSettings, generator: inout RandomGenerator,
                          frameLogits: (_ tokens: [Int32], _ masked: [Int32]) -> UnsafePointer<Float>) -> [Int32] {
    let s = model.config.tokensPerFrame
    // Tokens not yet committed hold the mask token, so `tokens` is always the model's input.
    var tokens = [Int32](repeating: model.maskToken, count: s)
    var masked = [Bool](repeating: true, count: s)
    for i in 0..<settings.iterations {
        let keep = maskedAfterIteration(i, of: settings.iterations, total: s)
        let positions = masked.indices.filter { masked[$0] }.map { Int32($0) }
        maskGITStep(logits: frameLogits(tokens, positions), codes: model.config.codebookSize, tokens: &tokens, masked: &masked,
                    keepMasked: keep, temperature: settings.temperature, generator: &generator)
    }
    return tokens
}

/// Generates the next frame's tokens by MaskGIT without caches: the whole context is run
/// through the model at every iteration. The reference the cached inference core is checked
/// against, and good enough for evaluation.
///
/// `context` holds the tokens of the past frames [T·S] (batch 1), `actions` the T actions of
/// the transitions between them and into the new frame.
public func generateNextFrame(model: DynamicsModel, context: [Int32], actions: [Int32], settings: MaskGITSettings,
                              generator: inout RandomGenerator, timeOffset: Int = 0) -> [Int32] {
    let s = model.config.tokensPerFrame
    let t = context.count / s + 1
    precondition(actions.count == t - 1, "generateNextFrame: need one action per transition")
    var logits = Tensor.scalar(0)
    return maskGITDecode(model: model, settings: settings, generator: &generator) { tokens, masked in
        logits = withoutGradient {
            let input = model.embed(tokens: context + tokens, actions: actions, batch: 1, frames: t)
            return model.logits(model.transformer(input, timeOffset: timeOffset), at: masked.map { Int32((t - 1) * s) + $0 })
        }
        return UnsafePointer(logits.data)
    }
}

import Foundation
import GenieTensor

/// Configuration of the dynamics model.
public struct DynamicsConfig: Codable, Sendable, Equatable {
    /// Tokens per frame and codebook size: must match the tokenizer's.
    public var tokensPerFrame = 64
    public var codebookSize = 1024
    /// Number of latent actions: must match the LAM's.
    public var actions = 8
    // d = 192, 6 blocks: measured 15+ fps at play with 8 MaskGIT iterations on 2 cores
    // (d = 256, 8 blocks: ~5 fps); see docs/inference.md.
    public var transformer = TransformerConfig(width: 192, depth: 6, heads: 6)
    /// Range of the per-clip masking rate in training (the paper: U(0.5, 1)).
    public var minimumMaskRate: Float = 0.5
    public var maximumMaskRate: Float = 1.0

    public init() {}
}

/// The dynamics model (Genie §2.1): a decoder-only MaskGIT ST-transformer over tokenizer
/// codes. Each frame's tokens are embedded (masked ones with a learned mask token), get
/// spatial position embeddings and, for frames after the first, the latent action of the
/// transition that led to them as an additive embedding; temporal positions are rotary.
/// The output predicts the code of every token.
public final class DynamicsModel: Module {
    public let config: DynamicsConfig
    /// Codes 0..<K, and K = the mask token.
    public let tokenEmbedding: Embedding
    public let spatialPositions: Parameter
    /// Actions 0..<|A|, and |A| = "no action" for the first frame of a clip.
    public let actionEmbedding: Embedding
    public let transformer: STTransformer
    public let head: Linear

    public init(_ config: DynamicsConfig, seed: UInt64) {
        self.config = config
        var g = RandomGenerator(seed: seed)
        let d = config.transformer.width
        tokenEmbedding = Embedding(count: config.codebookSize + 1, dimension: d, generator: &g)
        spatialPositions = Parameter([config.tokensPerFrame, d], std: 0.02, generator: &g)
        actionEmbedding = Embedding(count: config.actions + 1, dimension: d, generator: &g)
        transformer = STTransformer(config.transformer, generator: &g)
        head = Linear(d, config.codebookSize, generator: &g)
    }

    public var maskToken: Int32 { Int32(config.codebookSize) }
    public var noAction: Int32 { Int32(config.actions) }

    /// Input embeddings [B, T, S, d] for tokens [B·T·S] (mask token where masked) and the
    /// actions [B·(T−1)] of the transitions between consecutive frames.
    public func embed(tokens: [Int32], actions: [Int32], batch b: Int, frames t: Int) -> Tensor {
        let s = config.tokensPerFrame
        precondition(tokens.count == b * t * s, "dynamics: \(tokens.count) tokens for \(b)x\(t)x\(s)")
        precondition(actions.count == b * (t - 1), "dynamics: \(actions.count) actions for \(b)x\(t - 1) transitions")
        // Frame 0 of each clip gets "no action"; frame i gets the action of transition i−1 → i.
        var frameActions = [Int32](repeating: noAction, count: b * t)
        for bi in 0..<b { for i in 1..<t { frameActions[bi * t + i] = actions[bi * (t - 1) + i - 1] } }
        return embed(tokens: tokens, frameActions: frameActions, batch: b, frames: t)
    }

    /// Input embeddings [B, T, S, d] for tokens [B·T·S] and, per frame, the action that led
    /// to it (`noAction` for a clip's first frame).
    public func embed(tokens: [Int32], frameActions: [Int32], batch b: Int, frames t: Int) -> Tensor {
        let s = config.tokensPerFrame
        precondition(tokens.count == b * t * s, "dynamics: \(tokens.count) tokens for \(b)x\(t)x\(s)")
        precondition(frameActions.count == b * t && frameActions.allSatisfy { $0 >= 0 && $0 <= noAction }, "dynamics: bad frame actions")
        let x = add(tokenEmbedding(tokens, shape: [b, t, s]), spatialPositions.value)
        return add(x, actionEmbedding(frameActions, shape: [b, t, 1]))
    }

    /// Logits [B, T, S, K] over codes.
    public func logits(tokens: [Int32], actions: [Int32], batch: Int, frames: Int, timeOffset: Int = 0) -> Tensor {
        head(transformer(embed(tokens: tokens, actions: actions, batch: batch, frames: frames), timeOffset: timeOffset))
    }

    /// Logits [M, K] of the M tokens at `positions` of the transformer's output h (indices
    /// into its tokens, B·T·S in all): MaskGIT scores only the tokens still masked, and the
    /// head over 4,096 codes is a sixth of a pass over a frame of 64 tokens.
    public func logits(_ h: Tensor, at positions: [Int32]) -> Tensor {
        // A row gather, which is what an embedding lookup is.
        head(embedding(positions, shape: [positions.count], table: reshape(h, [-1, config.transformer.width])))
    }

    /// Logits [M, K] at `positions` of one new frame (all S by default), given the action that
    /// led to it, through a temporal KV cache holding the frames before it (play: see
    /// `DynamicsStream`). Writes the frame's keys and values into the cache, commits nothing.
    public func logits(frameTokens: [Int32], action: Int32, cache: TransformerCache, at positions: [Int32]? = nil) -> Tensor {
        let h = transformer(embed(frameTokens: frameTokens, action: action), cache: cache)
        return logits(h, at: positions ?? Array(0..<Int32(config.tokensPerFrame)))
    }

    /// Writes one new frame's keys and values into the cache and computes nothing else: what
    /// committing a finished frame needs.
    public func writeKeysAndValues(frameTokens: [Int32], action: Int32, cache: TransformerCache) {
        transformer.writeKeysAndValues(embed(frameTokens: frameTokens, action: action), cache: cache)
    }

    /// Input embeddings [1, 1, S, d] of one new frame and the action that led to it.
    private func embed(frameTokens: [Int32], action: Int32) -> Tensor {
        embed(tokens: frameTokens, frameActions: [action], batch: 1, frames: 1)
    }

    /// The MaskGIT training mask: frame 0 is never masked; in frames after it each token is
    /// masked with probability r, r drawn per clip from U(minimum, maximum).
    public func sampleMask(batch b: Int, frames t: Int, generator: inout RandomGenerator) -> [Bool] {
        let s = config.tokensPerFrame
        var mask = [Bool](repeating: false, count: b * t * s)
        for bi in 0..<b {
            let rate = config.minimumMaskRate + (config.maximumMaskRate - config.minimumMaskRate) * generator.nextFloat()
            for i in (bi * t + 1) * s..<((bi + 1) * t * s) { mask[i] = generator.nextFloat() < rate }
        }
        return mask
    }

    /// One training forward: cross-entropy on the masked tokens only, averaged over them or,
    /// for one share of a larger batch, over `maskedCount`, the masked tokens of that batch.
    public func trainingLoss(tokens: [Int32], actions: [Int32], batch: Int, frames: Int, mask: [Bool], maskedCount: Int? = nil) -> DynamicsOutput {
        let input = zip(tokens, mask).map { $1 ? maskToken : $0 }
        let out = logits(tokens: input, actions: actions, batch: batch, frames: frames)
        let flat = reshape(out, [-1, config.codebookSize])
        let loss = crossEntropy(flat, targets: tokens, mask: mask, averagedOver: maskedCount)
        let (correct, counted) = maskedHits(logits: flat, targets: tokens, mask: mask)
        return DynamicsOutput(loss: loss, maskedAccuracy: counted > 0 ? Float(correct) / Float(counted) : 0, logits: out)
    }

    /// Of the masked tokens, how many the logits [N, K] rank first, and how many there are.
    public func maskedHits(logits: Tensor, targets: [Int32], mask: [Bool]) -> (correct: Int, counted: Int) {
        let k = config.codebookSize
        var correct = 0, counted = 0
        for r in 0..<targets.count where mask[r] {
            if argmax(logits.data + r * k, count: k) == Int(targets[r]) { correct += 1 }
            counted += 1
        }
        return (correct, counted)
    }

    /// Takes the code embeddings and output rows of a trained model over `parents` codes, for
    /// a tokenizer whose codebook was split from that one's (code c a copy of code c mod
    /// `parents`): each copy starts as its parent, so the model reads a frame as before, and
    /// its output bias is lowered by log(copies) so that the copies share the parent's
    /// probability. The mask token keeps its own embedding.
    public func splitCodes(embedding trained: Tensor, headWeight: Tensor, headBias: Tensor, parents: Int) {
        let codes = config.codebookSize, d = config.transformer.width
        precondition(codes % parents == 0 && trained.shape == [parents + 1, d] && headWeight.shape == [d, parents] && headBias.shape == [parents])
        let shift = Float(log(Double(codes / parents)))
        for c in 0...codes {
            let parent = c == codes ? parents : c % parents
            for j in 0..<d { tokenEmbedding.table.data[c * d + j] = trained.data[parent * d + j] }
        }
        for c in 0..<codes {
            let parent = c % parents
            for i in 0..<d { head.weight.data[i * codes + c] = headWeight.data[i * parents + parent] }
            head.bias!.data[c] = headBias.data[parent] - shift
        }
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        scoped("tokenEmbedding", tokenEmbedding) + scoped("spatialPositions", spatialPositions)
            + scoped("actionEmbedding", actionEmbedding) + scoped("transformer", transformer) + scoped("head", head)
    }
}

/// What one dynamics training forward produces.
public struct DynamicsOutput {
    public let loss: Tensor
    public let maskedAccuracy: Float
    public let logits: Tensor
}

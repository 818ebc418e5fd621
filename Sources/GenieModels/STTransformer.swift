import GenieTensor

/// Shape of an ST-transformer, shared by the three networks' configurations.
public struct TransformerConfig: Codable, Sendable, Equatable {
    public var width: Int
    public var depth: Int
    public var heads: Int
    /// Feed-forward hidden size as a multiple of the width.
    public var feedForwardMultiple: Int

    public init(width: Int, depth: Int, heads: Int, feedForwardMultiple: Int = 4) {
        self.width = width; self.depth = depth; self.heads = heads; self.feedForwardMultiple = feedForwardMultiple
    }
}

/// Multi-head self-attention along one axis of a `[B, T, S, C]` token grid.
///
/// Spatial attention: the tokens of one frame attend to each other (no mask).
/// Temporal attention: each spatial position attends to itself in earlier frames (causal),
/// with rotary positions so that cached keys stay valid as the window slides.
/// The query, key and value projections are one [C, 3C] matrix: one GEMM instead of three
/// small ones (at play a frame is only S rows).
public final class AxisAttention: Module {
    public let axis: AttentionAxis
    public let heads: Int
    public let queryKeyValue: Linear, output: Linear

    public init(width: Int, heads: Int, axis: AttentionAxis, outputStd: Float, generator: inout RandomGenerator) {
        self.axis = axis
        self.heads = heads
        queryKeyValue = Linear(width, 3 * width, generator: &generator)
        output = Linear(width, width, std: outputStd, generator: &generator)
    }

    var causal: Bool { axis == .temporal }

    /// Queries, keys and values [B, T, S, C] of x; queries and keys of temporal attention
    /// carry rotary positions from absolute frame `timeOffset`.
    func projections(_ x: Tensor, timeOffset: Int = 0) -> (query: Tensor, key: Tensor, value: Tensor) {
        let qkv = queryKeyValue(x)
        let c = qkv.shape[qkv.rank - 1] / 3
        let (k, v) = keysAndValues(qkv, timeOffset: timeOffset)
        return (positioned(slice(qkv, axis: qkv.rank - 1, 0..<c), timeOffset: timeOffset), k, v)
    }

    /// The keys (positioned) and values in the joint projection qkv [..., 3C].
    private func keysAndValues(_ qkv: Tensor, timeOffset: Int) -> (key: Tensor, value: Tensor) {
        let c = qkv.shape[qkv.rank - 1] / 3, last = qkv.rank - 1
        return (positioned(slice(qkv, axis: last, c..<(2 * c)), timeOffset: timeOffset), slice(qkv, axis: last, (2 * c)..<(3 * c)))
    }

    /// Queries and keys of temporal attention carry rotary positions; spatial ones none.
    private func positioned(_ x: Tensor, timeOffset: Int) -> Tensor {
        axis == .temporal ? rotaryEmbedding(x, heads: heads, axis: .temporal, offset: timeOffset) : x
    }

    /// x: [B, T, S, C]; `timeOffset` is the absolute index of frame 0 (rotary positions).
    /// With a `cache` (temporal attention on one new frame, B = T = 1), the frame's key and
    /// value are written into it and the frame's queries attend over every cached frame and
    /// itself: no mask is needed, the cache holds only the past and the frame.
    /// `residual`, where given, is added to the output (the block's residual stream).
    public func callAsFunction(_ x: Tensor, timeOffset: Int = 0, cache: TemporalKVCache? = nil, residual: Tensor? = nil) -> Tensor {
        let (q, k, v) = projections(x, timeOffset: timeOffset)
        guard let cache else {
            return output(attention(query: q, key: k, value: v, heads: heads, axis: axis, causal: causal), residual: residual)
        }
        precondition(axis == .temporal, "only temporal attention is cached")
        cache.write(key: k, value: v)
        return output(attention(query: q, key: cache.keys, value: cache.values, heads: heads, axis: .temporal, causal: false), residual: residual)
    }

    /// Writes the key and value of one new frame x into the cache, and attends to nothing.
    public func writeKeysAndValues(_ x: Tensor, timeOffset: Int, cache: TemporalKVCache) {
        precondition(axis == .temporal, "only temporal attention is cached")
        let (k, v) = keysAndValues(queryKeyValue(x), timeOffset: timeOffset)
        cache.write(key: k, value: v)
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        scoped("queryKeyValue", queryKeyValue) + scoped("output", output)
    }
}

/// Two-layer MLP with GELU.
public final class FeedForward: Module {
    public let expand: Linear, contract: Linear

    public init(width: Int, hidden: Int, outputStd: Float, generator: inout RandomGenerator) {
        expand = Linear(width, hidden, generator: &generator)
        contract = Linear(hidden, width, std: outputStd, generator: &generator)
    }

    /// The MLP of x, plus `residual` where given.
    public func callAsFunction(_ x: Tensor, residual: Tensor? = nil) -> Tensor { contract(gelu(expand(x)), residual: residual) }
    public func namedParameters() -> [(name: String, tensor: Tensor)] { scoped("expand", expand) + scoped("contract", contract) }
}

/// One ST-transformer block (Genie §2.1): pre-norm residual spatial attention, then
/// pre-norm residual causal temporal attention, then one feed-forward layer after both.
public final class STBlock: Module {
    public let spatialNorm: LayerNorm, spatial: AxisAttention
    public let temporalNorm: LayerNorm, temporal: AxisAttention
    public let feedForwardNorm: LayerNorm, feedForward: FeedForward

    public init(_ config: TransformerConfig, generator: inout RandomGenerator) {
        // Residual-branch outputs start small so that deep stacks begin near identity.
        let outputStd = 0.02 / Float(2 * config.depth).squareRoot()
        spatialNorm = LayerNorm(config.width)
        spatial = AxisAttention(width: config.width, heads: config.heads, axis: .spatial, outputStd: outputStd, generator: &generator)
        temporalNorm = LayerNorm(config.width)
        temporal = AxisAttention(width: config.width, heads: config.heads, axis: .temporal, outputStd: outputStd, generator: &generator)
        feedForwardNorm = LayerNorm(config.width)
        feedForward = FeedForward(width: config.width, hidden: config.width * config.feedForwardMultiple, outputStd: outputStd, generator: &generator)
    }

    /// x: [B, T, S, C]. `timeOffset` is the absolute index of frame 0 (for rotary positions).
    /// With a `cache`, x is one new frame whose temporal attention also sees the cached
    /// past frames (committing the frame is the caller's business).
    public func callAsFunction(_ x: Tensor, timeOffset: Int = 0, cache: TemporalKVCache? = nil) -> Tensor {
        // Each sublayer adds its output to the residual stream inside its last projection.
        var h = spatial(spatialNorm(x), residual: x)
        h = temporal(temporalNorm(h), timeOffset: timeOffset, cache: cache, residual: h)
        return feedForward(feedForwardNorm(h), residual: h)
    }

    /// Only what one new frame x leaves in the cache: its temporal keys and values.
    public func writeKeysAndValues(_ x: Tensor, timeOffset: Int, cache: TemporalKVCache) {
        let h = spatial(spatialNorm(x), residual: x)
        temporal.writeKeysAndValues(temporalNorm(h), timeOffset: timeOffset, cache: cache)
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        scoped("spatialNorm", spatialNorm) + scoped("spatial", spatial) + scoped("temporalNorm", temporalNorm)
            + scoped("temporal", temporal) + scoped("feedForwardNorm", feedForwardNorm) + scoped("feedForward", feedForward)
    }
}

/// A stack of ST blocks and a final LayerNorm: the backbone of the tokenizer's encoder and
/// decoder, the latent action model's encoder and decoder, and the dynamics model.
public final class STTransformer: Module {
    public let blocks: [STBlock]
    public let finalNorm: LayerNorm

    public init(_ config: TransformerConfig, generator: inout RandomGenerator) {
        blocks = (0..<config.depth).map { _ in STBlock(config, generator: &generator) }
        finalNorm = LayerNorm(config.width)
    }

    /// x: [B, T, S, C] from absolute frame `timeOffset` on. With a `cache` (play: one frame
    /// at a time), x is the single frame `cache.nextFrame`, each block's temporal attention
    /// reads and extends its layer of the cache; call `cache.commit()` once the frame is final.
    public func callAsFunction(_ x: Tensor, timeOffset: Int = 0, cache: TransformerCache? = nil) -> Tensor {
        var h = x
        if let cache {
            checkCachedForward(x, cache)
            for (block, layer) in zip(blocks, cache.layers) { h = block(h, timeOffset: cache.nextFrame, cache: layer) }
        } else {
            for block in blocks { h = block(h, timeOffset: timeOffset) }
        }
        return finalNorm(h)
    }

    /// Writes the keys and values of the single frame x (`cache.nextFrame`) into every layer
    /// of the cache, computing nothing else: the last block stops at its temporal keys and
    /// values (its feed-forward and the final norm only ever feed the output). Committing a
    /// finished frame is all this is for; call `cache.commit()` after.
    public func writeKeysAndValues(_ x: Tensor, cache: TransformerCache) {
        checkCachedForward(x, cache)
        precondition(!blocks.isEmpty, "a transformer without blocks caches nothing")
        var h = x
        for (block, layer) in zip(blocks.dropLast(), cache.layers) { h = block(h, timeOffset: cache.nextFrame, cache: layer) }
        blocks[blocks.count - 1].writeKeysAndValues(h, timeOffset: cache.nextFrame, cache: cache.layers[blocks.count - 1])
    }

    /// A cached forward takes one frame, through a cache with a layer per block.
    private func checkCachedForward(_ x: Tensor, _ cache: TransformerCache) {
        precondition(x.shape[0] == 1 && x.shape[1] == 1, "a cached forward takes one frame, not \(x.shape)")
        precondition(cache.layers.count == blocks.count, "cache has \(cache.layers.count) layers for \(blocks.count) blocks")
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        blocks.enumerated().flatMap { scoped("blocks.\($0.offset)", $0.element) } + scoped("finalNorm", finalNorm)
    }
}

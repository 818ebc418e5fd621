import GenieTensor

/// Anything that owns parameters, listed with stable dotted names (as in MLX's
/// `parameters()`): the names are the keys in checkpoints.
public protocol Module: AnyObject {
    func namedParameters() -> [(name: String, tensor: Tensor)]
}

extension Module {
    public var parameters: [Tensor] { namedParameters().map(\.tensor) }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Prefixes the parameters of a child module.
    func scoped(_ prefix: String, _ child: Module) -> [(name: String, tensor: Tensor)] {
        child.namedParameters().map { ("\(prefix).\($0.name)", $0.tensor) }
    }
}

/// Draws initial weights: N(0, std²) from the package's seeded generator.
func initialWeight(_ shape: [Int], std: Float, _ generator: inout RandomGenerator) -> Tensor {
    Tensor.randomNormal(shape, std: std, generator: &generator, requiresGrad: true)
}

/// y = x·W + b.
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, std: Float = 0.02, generator: inout RandomGenerator) {
        weight = initialWeight([inFeatures, outFeatures], std: std, &generator)
        self.bias = bias ? Tensor.zeros([outFeatures], requiresGrad: true) : nil
    }

    /// x · W + b, plus `residual` where given (see `linear`).
    public func callAsFunction(_ x: Tensor, residual: Tensor? = nil) -> Tensor { linear(x, weight, bias, residual: residual) }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
}

/// LayerNorm over the last axis with a learned gain and bias.
public final class LayerNorm: Module {
    public let gain: Tensor
    public let bias: Tensor

    public init(_ dimension: Int) {
        gain = Tensor([Float](repeating: 1, count: dimension), shape: [dimension], requiresGrad: true)
        bias = Tensor.zeros([dimension], requiresGrad: true)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { layerNorm(x, gain: gain, bias: bias) }
    public func namedParameters() -> [(name: String, tensor: Tensor)] { [("gain", gain), ("bias", bias)] }
}

/// A table of learned vectors looked up by index.
public final class Embedding: Module {
    public let table: Tensor

    public init(count: Int, dimension: Int, std: Float = 0.02, generator: inout RandomGenerator) {
        table = initialWeight([count, dimension], std: std, &generator)
    }

    public func callAsFunction(_ indices: [Int32], shape: [Int]) -> Tensor { embedding(indices, shape: shape, table: table) }
    public func namedParameters() -> [(name: String, tensor: Tensor)] { [("table", table)] }
}

/// A single learned tensor (positional embeddings, codebooks).
public final class Parameter: Module {
    public let value: Tensor
    public init(_ shape: [Int], std: Float, generator: inout RandomGenerator) { value = initialWeight(shape, std: std, &generator) }
    public func namedParameters() -> [(name: String, tensor: Tensor)] { [("value", value)] }
}

/// Frames cut into square patches of `patch` × `patch` pixels, one token each: the view of
/// the pixels that the tokenizer and the latent action model share.
public protocol PatchedFrames {
    var frameHeight: Int { get set }
    var frameWidth: Int { get set }
    var channels: Int { get set }
    var patch: Int { get set }
}

extension PatchedFrames {
    /// Tokens per frame (h·w in the paper).
    public var tokensPerFrame: Int { (frameHeight / patch) * (frameWidth / patch) }
    /// Values in one patch token before embedding.
    public var patchValues: Int { patch * patch * channels }
}

import GenieTensor

/// A network's configuration as a checkpoint stores it: checked before a model is built
/// from it, because a hostile or damaged value would otherwise trip a precondition (heads
/// that do not divide the width), divide by zero (patch 0) or allocate terabytes.
public protocol ModelConfiguration: Codable {
    /// Throws `ModelConfigurationError` naming the first value outside its bounds.
    func validate() throws
    /// The number of parameters the model built from this configuration has, computed
    /// without building it, so that a checkpoint can be compared with it before allocating.
    var parameterCount: Int { get }
}

/// A configuration value outside what genie can build.
public struct ModelConfigurationError: Error, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Bounds of configuration values: generous for any model this engine can run, tight
/// enough that every product of them fits an Int and no model outgrows memory by surprise.
public enum ConfigurationBounds {
    static let frameSide = 1...1024
    static let width = 2...4096
    static let depth = 1...64
    static let feedForwardMultiple = 1...16
    public static let codebookSize = 1...65536
    static let codeDimension = 1...4096
    public static let actions = 1...64
    /// Spatial attention holds tokens² scores a head: 4,096 tokens (a 256x256 frame at patch 4)
    /// keep that within 64 MB, where a 1024x1024 frame at patch 1 would ask for terabytes.
    public static let tokensPerFrame = 1...4096

    public static func check(_ name: String, _ value: Int, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw ModelConfigurationError("\(name) is \(value), outside \(range.lowerBound)…\(range.upperBound)")
        }
    }

    static func check(_ name: String, _ value: Float, in range: ClosedRange<Float>) throws {
        guard value.isFinite, range.contains(value) else {
            throw ModelConfigurationError("\(name) is \(value), outside \(range.lowerBound)…\(range.upperBound)")
        }
    }
}

extension TransformerConfig {
    func validate(_ name: String) throws {
        try ConfigurationBounds.check("\(name).width", width, in: ConfigurationBounds.width)
        try ConfigurationBounds.check("\(name).depth", depth, in: ConfigurationBounds.depth)
        try ConfigurationBounds.check("\(name).heads", heads, in: 1...width)
        // Rotary positions turn pairs of channels: each head needs an even size.
        guard width % heads == 0, (width / heads) % 2 == 0 else {
            throw ModelConfigurationError("\(name).heads is \(heads): a width of \(width) does not split into \(heads) heads of an even size")
        }
        try ConfigurationBounds.check("\(name).feedForwardMultiple", feedForwardMultiple, in: ConfigurationBounds.feedForwardMultiple)
    }

    /// Parameters of an `STTransformer` with this configuration.
    var parameterCount: Int {
        let hidden = width * feedForwardMultiple
        let attention = 4 * linearParameters(width, width)
        let block = 3 * 2 * width + 2 * attention + linearParameters(width, hidden) + linearParameters(hidden, width)
        return depth * block + 2 * width
    }
}

/// Parameters of a `Linear` layer with a bias.
func linearParameters(_ inFeatures: Int, _ outFeatures: Int) -> Int { inFeatures * outFeatures + outFeatures }

extension PatchedFrames {
    func validateFrames() throws {
        try ConfigurationBounds.check("frameWidth", frameWidth, in: ConfigurationBounds.frameSide)
        try ConfigurationBounds.check("frameHeight", frameHeight, in: ConfigurationBounds.frameSide)
        // Frames are RGB everywhere (PNG in and out, the terminal's colours).
        try ConfigurationBounds.check("channels", channels, in: 3...3)
        try ConfigurationBounds.check("patch", patch, in: 1...min(frameWidth, frameHeight))
        guard frameWidth % patch == 0, frameHeight % patch == 0 else {
            throw ModelConfigurationError("patch is \(patch): frames of \(frameWidth)x\(frameHeight) do not divide into \(patch)x\(patch) patches")
        }
        let tokens = (frameWidth / patch) * (frameHeight / patch)
        guard ConfigurationBounds.tokensPerFrame.contains(tokens) else {
            throw ModelConfigurationError("patch is \(patch): frames of \(frameWidth)x\(frameHeight) make \(tokens) tokens, outside \(ConfigurationBounds.tokensPerFrame.lowerBound)…\(ConfigurationBounds.tokensPerFrame.upperBound)")
        }
    }
}

extension TokenizerConfig: ModelConfiguration {
    public func validate() throws {
        guard normalizedCodes != true else { throw ModelConfigurationError("this tokenizer uses cosine codes, a variant genie no longer supports") }
        try validateFrames()
        try ConfigurationBounds.check("codebookSize", codebookSize, in: ConfigurationBounds.codebookSize)
        try ConfigurationBounds.check("codeDimension", codeDimension, in: ConfigurationBounds.codeDimension)
        try ConfigurationBounds.check("commitment", commitment, in: 0...1000)
        try encoder.validate("encoder")
        try decoder.validate("decoder")
    }

    public var parameterCount: Int {
        let s = tokensPerFrame
        return linearParameters(patchValues, encoder.width) + s * encoder.width + encoder.parameterCount
            + linearParameters(encoder.width, codeDimension) + codebookSize * codeDimension
            + linearParameters(codeDimension, decoder.width) + s * decoder.width + decoder.parameterCount
            + linearParameters(decoder.width, patchValues)
    }
}

extension LatentActionConfig: ModelConfiguration {
    public func validate() throws {
        try validateFrames()
        try ConfigurationBounds.check("actions", actions, in: ConfigurationBounds.actions)
        try ConfigurationBounds.check("latentDimension", latentDimension, in: ConfigurationBounds.codeDimension)
        try ConfigurationBounds.check("commitment", commitment, in: 0...1000)
        if let changedPixelWeight { try ConfigurationBounds.check("changedPixelWeight", changedPixelWeight, in: 1...1_000_000) }
        if let labelledActions { try ConfigurationBounds.check("labelledActions", labelledActions, in: 2...ConfigurationBounds.actions.upperBound) }
        if let actionLabelWeight { try ConfigurationBounds.check("actionLabelWeight", actionLabelWeight, in: 0...1_000_000) }
        try encoder.validate("encoder")
        try decoder.validate("decoder")
    }

    public var parameterCount: Int {
        let s = tokensPerFrame
        return linearParameters(encoderValuesPerToken, encoder.width) + s * encoder.width
            + encoder.parameterCount + linearParameters(s * encoder.width, latentDimension) + actions * latentDimension
            + linearParameters(patchValues, decoder.width) + s * decoder.width + linearParameters(latentDimension, decoder.width)
            + decoder.parameterCount + linearParameters(decoder.width, patchValues)
            + (labelledActions.map { linearParameters(latentDimension, $0) } ?? 0)
    }
}

extension DynamicsConfig: ModelConfiguration {
    public func validate() throws {
        try ConfigurationBounds.check("tokensPerFrame", tokensPerFrame, in: ConfigurationBounds.tokensPerFrame)
        try ConfigurationBounds.check("codebookSize", codebookSize, in: ConfigurationBounds.codebookSize)
        try ConfigurationBounds.check("actions", actions, in: ConfigurationBounds.actions)
        try ConfigurationBounds.check("minimumMaskRate", minimumMaskRate, in: 0...1)
        try ConfigurationBounds.check("maximumMaskRate", maximumMaskRate, in: minimumMaskRate...1)
        try transformer.validate("transformer")
    }

    public var parameterCount: Int {
        let d = transformer.width
        return (codebookSize + 1) * d + tokensPerFrame * d + (actions + 1) * d + transformer.parameterCount
            + linearParameters(d, codebookSize)
    }
}

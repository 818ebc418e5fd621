import Foundation

/// AdamW (Loshchilov & Hutter): Adam moments with bias correction, and weight decay applied
/// directly to the weights, not through the gradient.
public final class AdamW {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float
    public let weightDecay: Float
    /// Which parameters decay (matrices usually do; gains, biases and embeddings often not).
    public let decays: [Bool]
    public private(set) var step: Int = 0
    /// First and second moments, one buffer per parameter.
    public private(set) var firstMoments: [Tensor]
    public private(set) var secondMoments: [Tensor]

    public init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.95,
                epsilon: Float = 1e-8, weightDecay: Float = 0.0, decays: [Bool]? = nil) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decays = decays ?? parameters.map { $0.rank >= 2 }
        firstMoments = parameters.map { Tensor.zeros($0.shape) }
        secondMoments = parameters.map { Tensor.zeros($0.shape) }
    }

    /// One update from the gradients now held by the parameters (missing ones count as 0).
    public func update() {
        step += 1
        let correction1 = 1 - Foundation.pow(Double(beta1), Double(step))
        let correction2 = 1 - Foundation.pow(Double(beta2), Double(step))
        let lr = learningRate
        for (index, p) in parameters.enumerated() {
            guard let g = p.grad?.pointer else { continue }
            let m = firstMoments[index].data, v = secondMoments[index].data, w = p.data
            let decay = decays[index] ? weightDecay : 0
            let (b1, b2, eps) = (beta1, beta2, epsilon)
            parallelRanges(p.count, work: p.count * 12) { range in
                for i in range {
                    m[i] = b1 * m[i] + (1 - b1) * g[i]
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                    let mHat = Double(m[i]) / correction1, vHat = Double(v[i]) / correction2
                    w[i] -= lr * (Float(mHat / (vHat.squareRoot() + Double(eps))) + decay * w[i])
                }
            }
        }
    }

    /// Restores the step count and moments saved in a checkpoint.
    public func restore(step: Int, firstMoments: [Tensor], secondMoments: [Tensor]) {
        precondition(firstMoments.count == parameters.count && secondMoments.count == parameters.count)
        self.step = step
        for i in parameters.indices {
            self.firstMoments[i].data.update(from: firstMoments[i].data, count: parameters[i].count)
            self.secondMoments[i].data.update(from: secondMoments[i].data, count: parameters[i].count)
        }
    }

    public func zeroGradients() { for p in parameters { p.zeroGradient() } }
}

/// An exponential moving average of the parameters (Polyak averaging with forgetting):
/// after each update, average += (1 − decay) · (parameter − average). Weights averaged over
/// the last ~1 / (1 − decay) steps swing less from checkpoint to checkpoint than the last
/// step's weights.
public final class ParameterAverage {
    public let parameters: [Tensor]
    public let decay: Float
    /// One buffer per parameter; starts as a copy of the parameters.
    public private(set) var averages: [Tensor]

    public init(parameters: [Tensor], decay: Float) {
        precondition(decay >= 0 && decay < 1, "decay must be in [0, 1)")
        self.parameters = parameters
        self.decay = decay
        averages = parameters.map { $0.copy() }
    }

    /// Moves each average toward its parameter's current value.
    public func update() {
        let rate = 1 - decay
        for (p, a) in zip(parameters, averages) {
            let w = p.data, m = a.data
            parallelRanges(p.count, work: p.count * 3) { range in
                for i in range { m[i] += rate * (w[i] - m[i]) }
            }
        }
    }

    /// Restores averages saved in a checkpoint.
    public func restore(_ saved: [Tensor]) {
        precondition(saved.count == averages.count)
        for (a, s) in zip(averages, saved) { a.data.update(from: s.data, count: a.count) }
    }

    /// Runs `body` with the averages in the parameters' place (to save or evaluate the
    /// averaged model), then puts the parameters back.
    public func withAveragesInPlace<R>(_ body: () throws -> R) rethrows -> R {
        let held = parameters.map { $0.copy() }
        for (p, a) in zip(parameters, averages) { p.data.update(from: a.data, count: p.count) }
        defer { for (p, h) in zip(parameters, held) { p.data.update(from: h.data, count: p.count) } }
        return try body()
    }
}

/// Scales all gradients so that their joint L2 norm is at most `maxNorm`; returns the norm
/// before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var total: Double = 0
    for p in parameters {
        guard let g = p.grad?.pointer else { continue }
        for i in 0..<p.count { total += Double(g[i]) * Double(g[i]) }
    }
    let norm = Float(total.squareRoot())
    if norm > maxNorm && norm > 0 {
        let s = maxNorm / norm
        for p in parameters {
            guard let g = p.grad?.pointer else { continue }
            for i in 0..<p.count { g[i] *= s }
        }
    }
    return norm
}

/// Linear warm-up to `peak` over `warmupSteps`, then cosine decay to `peak · finalFraction`
/// at `totalSteps`. Steps count from 1.
public struct LearningRateSchedule: Codable, Sendable, Equatable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var finalFraction: Float

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, finalFraction: Float = 0.1) {
        self.peak = peak; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps; self.finalFraction = finalFraction
    }

    public func rate(at step: Int) -> Float {
        if step <= warmupSteps { return peak * Float(step) / Float(max(warmupSteps, 1)) }
        let progress = min(1, Double(step - warmupSteps) / Double(max(totalSteps - warmupSteps, 1)))
        let cosine = 0.5 * (1 + Foundation.cos(Double.pi * progress))
        return peak * (finalFraction + (1 - finalFraction) * Float(cosine))
    }
}

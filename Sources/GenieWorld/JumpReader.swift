import Foundation
import GenieModels
import GenieSupport

/// Whether a jump pressed now would take effect, read from the codes of the world's last two
/// frames. The game ignores a jump in the air, and the LAM reads such a press as the control
/// without the jump, so the world never learned a jump from mid-air: given one, it jumps again
/// from there. A key map counting steps since the world's own last jump cannot see a world
/// prompted in mid-air, a walk off a ledge or a jump cut short by a ceiling; the frames show
/// all three.
///
/// A logistic model with one weight per (frame, position, code): the logit of "takes effect"
/// is `bias + Σₚ w[previous, p, previousCodes[p]] + Σₚ w[current, p, currentCodes[p]]`. Fitted
/// by `genie keymap --tokenizer` on the presses of a jump control in episodes whose
/// actions.csv says what each press did (its class column). It reads codes, so it belongs to
/// the tokenizer's codes: a decoder trained on frozen codes keeps it valid, new codes do not.
public struct JumpReader: Equatable, Sendable {
    public let tokensPerFrame: Int
    public let codebookSize: Int
    public let bias: Float
    /// Weight of code c at position p of the previous (f = 0) or current (f = 1) frame, at
    /// `(f · tokensPerFrame + p) · codebookSize + c`; codes never seen there weigh 0.
    public let weights: [Float]

    /// Tables above this many weights are refused (a hostile file could ask for gigabytes):
    /// 256 tokens a frame of 4,096 codes is 2 M.
    static let maximumWeights = 1 << 23

    public init(tokensPerFrame: Int, codebookSize: Int, bias: Float, weights: [Float]) {
        precondition(weights.count == 2 * tokensPerFrame * codebookSize, "one weight per frame, position and code")
        self.tokensPerFrame = tokensPerFrame; self.codebookSize = codebookSize; self.bias = bias; self.weights = weights
    }

    /// Log-odds that a jump pressed after `current` (the frame before it: `previous`) takes effect.
    public func logit(previous: [Int32], current: [Int32]) -> Float {
        precondition(previous.count == tokensPerFrame && current.count == tokensPerFrame, "one code per position")
        var z = bias
        for (f, codes) in [previous, current].enumerated() {
            for (p, code) in codes.enumerated() { z += weights[(f * tokensPerFrame + p) * codebookSize + Int(code)] }
        }
        return z
    }

    public func canJump(previous: [Int32], current: [Int32]) -> Bool { logit(previous: previous, current: current) > 0 }

    /// Share of the positions of `current` whose code the fitted presses showed there (a
    /// non-zero weight). Where few are, the logit is mostly the bias, the data's prior (a
    /// roamer presses jump mostly in the air), not a reading of this frame.
    public func familiarity(_ current: [Int32]) -> Double {
        precondition(current.count == tokensPerFrame, "one code per position")
        let known = current.enumerated().filter { weights[(tokensPerFrame + $0) * codebookSize + Int($1)] != 0 }.count
        return Double(known) / Double(tokensPerFrame)
    }

    /// Below this familiarity the key map asks the airtime instead (an unseen prompt's codes).
    public static let minimumFamiliarity = 0.5

    /// One press of a jump control: the codes of the frame it was pressed after and of the
    /// frame before that, and whether the game jumped.
    public struct Press: Sendable {
        public var previous: [Int32], current: [Int32], tookEffect: Bool
        public init(previous: [Int32], current: [Int32], tookEffect: Bool) {
            self.previous = previous; self.current = current; self.tookEffect = tookEffect
        }
    }

    /// Every press of a jump control in one episode: `codes` [frames · S], and per transition
    /// the true action and its class (what the press did). A press at the first frame reads
    /// that frame as both, as the world does right after a one-frame prompt.
    public static func presses(codes: [Int32], tokensPerFrame s: Int, actions: [Int], classes: [Int],
                               isJump: (Int) -> Bool) -> [Press] {
        let frames = codes.count / s
        func frame(_ t: Int) -> [Int32] { Array(codes[(t * s)..<((t + 1) * s)]) }
        return zip(actions, classes).enumerated().compactMap { t, pair in
            guard t < frames, isJump(pair.0) else { return nil }
            return Press(previous: frame(max(t - 1, 0)), current: frame(t), tookEffect: isJump(pair.1))
        }
    }

    /// Full-batch gradient descent on the mean logistic loss plus `decay`·‖w‖²/2. Weights of
    /// codes no press shows get no gradient and stay 0, so the stored table is sparse.
    /// The presses that took effect and those that did not weigh alike in the loss, so that
    /// the bias is not the data's prior: a roamer presses jump mostly in the air, a person
    /// mostly on the ground.
    public static func fit(_ presses: [Press], tokensPerFrame s: Int, codebookSize k: Int,
                           steps: Int = 1500, rate: Float = 2, decay: Float = 1e-4) -> JumpReader {
        var weights = [Float](repeating: 0, count: 2 * s * k)
        var bias: Float = 0
        guard !presses.isEmpty else { return JumpReader(tokensPerFrame: s, codebookSize: k, bias: 0, weights: weights) }
        // Each press's weight indices, computed once.
        let indices: [[Int]] = presses.map { press in
            [press.previous, press.current].enumerated().flatMap { f, codes in codes.enumerated().map { (f * s + $0) * k + Int($1) } }
        }
        let n = Float(presses.count)
        let effective = Float(presses.filter(\.tookEffect).count)
        // Each class's presses weigh n / (2 · its count).
        let classWeight: (Bool) -> Float = { tookEffect in
            guard effective > 0, effective < n else { return 1 }
            return n / (2 * (tookEffect ? effective : n - effective))
        }
        let weightOfEffective = classWeight(true), weightOfIneffective = classWeight(false)
        var gradient = [Float](repeating: 0, count: weights.count)
        var touched = Set<Int>()
        for row in indices { touched.formUnion(row) }
        let seen = touched.sorted()
        for _ in 0..<steps {
            var biasGradient: Float = 0
            for i in seen { gradient[i] = 0 }
            for (row, press) in zip(indices, presses) {
                var z = bias
                for i in row { z += weights[i] }
                let g = (1 / (1 + exp(-z)) - (press.tookEffect ? 1 : 0)) * (press.tookEffect ? weightOfEffective : weightOfIneffective)
                biasGradient += g
                for i in row { gradient[i] += g }
            }
            bias -= rate * biasGradient / n
            for i in seen { weights[i] -= rate * (gradient[i] / n + decay * weights[i]) }
        }
        return JumpReader(tokensPerFrame: s, codebookSize: k, bias: bias, weights: weights)
    }
}

/// Stored in the key map as the non-zero weights: `{"tokens_per_frame": 64, "codebook_size":
/// 1024, "bias": -2.1, "index": [...], "weight": [...]}` (index as in `weights`).
extension JumpReader: Codable {
    enum CodingKeys: String, CodingKey {
        case bias, index, weight
        case tokensPerFrame = "tokens_per_frame"
        case codebookSize = "codebook_size"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tokensPerFrame, forKey: .tokensPerFrame)
        try c.encode(codebookSize, forKey: .codebookSize)
        try c.encode(bias, forKey: .bias)
        let nonZero = weights.indices.filter { weights[$0] != 0 }
        try c.encode(nonZero, forKey: .index)
        try c.encode(nonZero.map { weights[$0] }, forKey: .weight)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let s = try c.decode(Int.self, forKey: .tokensPerFrame), k = try c.decode(Int.self, forKey: .codebookSize)
        // Thrown as a configuration error so that the key map's one error line keeps the reason.
        func refuse(_ key: CodingKeys, _ reason: String) -> ModelConfigurationError {
            ModelConfigurationError("\(fieldPath(c.codingPath + [key])) \(reason)")
        }
        guard ConfigurationBounds.tokensPerFrame.contains(s) else { throw refuse(.tokensPerFrame, "is \(s), outside \(ConfigurationBounds.tokensPerFrame)") }
        guard ConfigurationBounds.codebookSize.contains(k) else { throw refuse(.codebookSize, "is \(k), outside \(ConfigurationBounds.codebookSize)") }
        guard 2 * s * k <= Self.maximumWeights else { throw refuse(.codebookSize, "\(s) tokens a frame of \(k) codes need more than \(Self.maximumWeights) weights") }
        let bias = try c.decode(Float.self, forKey: .bias)
        guard bias.isFinite else { throw refuse(.bias, "is not finite") }
        let index = try c.decode([Int].self, forKey: .index), weight = try c.decode([Float].self, forKey: .weight)
        guard index.count == weight.count else { throw refuse(.weight, "has \(weight.count) values for \(index.count) indices") }
        var weights = [Float](repeating: 0, count: 2 * s * k)
        for (i, w) in zip(index, weight) {
            guard weights.indices.contains(i) else { throw refuse(.index, "holds \(i), outside 0..<\(weights.count)") }
            guard w.isFinite, w != 0 else { throw refuse(.weight, "holds \(w) at index \(i); stored weights are finite and non-zero") }
            guard weights[i] == 0 else { throw refuse(.index, "holds \(i) twice") }
            weights[i] = w
        }
        self.init(tokensPerFrame: s, codebookSize: k, bias: bias, weights: weights)
    }
}

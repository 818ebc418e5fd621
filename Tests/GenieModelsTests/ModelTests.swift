import Foundation
import XCTest
@testable import GenieModels
@testable import GenieTensor

/// Tiny configurations so that every test runs in well under a second.
let tinyTransformer = TransformerConfig(width: 16, depth: 2, heads: 2, feedForwardMultiple: 2)

func tinyTokenizerConfig() -> TokenizerConfig {
    var c = TokenizerConfig()
    c.frameHeight = 8; c.frameWidth = 8; c.patch = 4; c.codebookSize = 16; c.codeDimension = 4
    c.encoder = tinyTransformer; c.decoder = tinyTransformer
    return c
}

func tinyLatentActionConfig() -> LatentActionConfig {
    var c = LatentActionConfig()
    c.frameHeight = 8; c.frameWidth = 8; c.patch = 4; c.actions = 4; c.latentDimension = 4
    c.encoder = tinyTransformer; c.decoder = tinyTransformer
    return c
}

func tinyDynamicsConfig() -> DynamicsConfig {
    var c = DynamicsConfig()
    c.tokensPerFrame = 4; c.codebookSize = 16; c.actions = 4
    c.transformer = tinyTransformer
    return c
}

func randomFrames(_ b: Int, _ t: Int, _ h: Int = 8, _ w: Int = 8, seed: UInt64) -> Tensor {
    var g = RandomGenerator(seed: seed)
    let x = Tensor.zeros([b, t, h, w, 3])
    for i in 0..<x.count { x.data[i] = g.nextFloat() }
    return x
}

final class ModelShapeAndCausalityTests: XCTestCase {
    func testShapes() {
        let tokenizer = VideoTokenizer(tinyTokenizerConfig(), seed: 1)
        let frames = randomFrames(2, 3, seed: 2)
        XCTAssertEqual(tokenizer.encodeContinuous(frames).shape, [2, 3, 4, 4])
        XCTAssertEqual(tokenizer.encode(frames).count, 2 * 3 * 4)
        XCTAssertEqual(tokenizer.trainingLoss(frames).reconstruction.shape, [2, 3, 8, 8, 3])
        let lam = LatentActionModel(tinyLatentActionConfig(), seed: 3)
        XCTAssertEqual(lam.encodeContinuous(frames).shape, [2, 2, 4])
        XCTAssertEqual(lam.inferActions(frames).count, 4)
        XCTAssertEqual(lam.trainingLoss(frames).prediction.shape, [2, 2, 8, 8, 3])
        let dynamics = DynamicsModel(tinyDynamicsConfig(), seed: 4)
        let logits = dynamics.logits(tokens: [Int32](repeating: 3, count: 2 * 3 * 4), actions: [0, 1, 2, 3], batch: 2, frames: 3)
        XCTAssertEqual(logits.shape, [2, 3, 4, 16])
    }

    /// Changing frame 2 (the last) must leave every output for frames 0 and 1 unchanged.
    func testEncodersAndDynamicsAreCausalInTime() {
        let frames = randomFrames(1, 3, seed: 5)
        let changed = frames.copy()
        let frameSize = 8 * 8 * 3
        for i in (2 * frameSize)..<(3 * frameSize) { changed.data[i] = 1 - changed.data[i] }

        let tokenizer = VideoTokenizer(tinyTokenizerConfig(), seed: 6)
        let a = withoutGradient { tokenizer.encodeContinuous(frames).array }, b = withoutGradient { tokenizer.encodeContinuous(changed).array }
        let perFrame = 4 * 4
        XCTAssertEqual(Array(a[0..<(2 * perFrame)]), Array(b[0..<(2 * perFrame)]))
        XCTAssertNotEqual(Array(a[(2 * perFrame)...]), Array(b[(2 * perFrame)...]))

        let lam = LatentActionModel(tinyLatentActionConfig(), seed: 7)
        let la = withoutGradient { lam.encodeContinuous(frames).array }, lb = withoutGradient { lam.encodeContinuous(changed).array }
        // Latent 0 (transition 0 → 1) cannot see frame 2; latent 1 (1 → 2) must.
        XCTAssertEqual(Array(la[0..<4]), Array(lb[0..<4]))
        XCTAssertNotEqual(Array(la[4...]), Array(lb[4...]))

        let dynamics = DynamicsModel(tinyDynamicsConfig(), seed: 8)
        let tokens: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
        var tokens2 = tokens
        tokens2[8...] = [0, 0, 0, 0]
        let da = withoutGradient { dynamics.logits(tokens: tokens, actions: [1, 2], batch: 1, frames: 3).array }
        let db = withoutGradient { dynamics.logits(tokens: tokens2, actions: [1, 3], batch: 1, frames: 3).array }
        XCTAssertEqual(Array(da[0..<(2 * 4 * 16)]), Array(db[0..<(2 * 4 * 16)]))
        XCTAssertNotEqual(Array(da[(2 * 4 * 16)...]), Array(db[(2 * 4 * 16)...]))
    }

    /// The action of transition t → t+1 conditions frame t+1, and only frames from t+1 on.
    func testActionConditionsTheFrameItLeadsTo() {
        let dynamics = DynamicsModel(tinyDynamicsConfig(), seed: 9)
        let tokens = [Int32](repeating: 16, count: 3 * 4)  // all masked
        let a = withoutGradient { dynamics.logits(tokens: tokens, actions: [0, 0], batch: 1, frames: 3).array }
        let b = withoutGradient { dynamics.logits(tokens: tokens, actions: [3, 0], batch: 1, frames: 3).array }
        let frame = 4 * 16
        XCTAssertEqual(Array(a[0..<frame]), Array(b[0..<frame]), "frame 0 precedes action 0")
        XCTAssertNotEqual(Array(a[frame..<(2 * frame)]), Array(b[frame..<(2 * frame)]), "action 0 leads to frame 1")
    }

    func testMaskFollowsThePaper() {
        let dynamics = DynamicsModel(tinyDynamicsConfig(), seed: 10)
        var g = RandomGenerator(seed: 11)
        var maskedFraction: [Double] = []
        for _ in 0..<200 {
            let mask = dynamics.sampleMask(batch: 1, frames: 5, generator: &g)
            XCTAssertFalse(mask[0..<4].contains(true), "the first frame is never masked")
            maskedFraction.append(Double(mask[4...].filter { $0 }.count) / 16)
        }
        let mean = maskedFraction.reduce(0, +) / 200
        XCTAssertEqual(mean, 0.75, accuracy: 0.05, "rate drawn from U(0.5, 1)")
    }

    func testCosineScheduleAndMaskGITStep() {
        XCTAssertEqual((0..<8).map { maskedAfterIteration($0, of: 8, total: 64) }, [62, 59, 53, 45, 35, 24, 12, 0])
        // Confident tokens are committed first; committed tokens stay.
        let k = 3
        var logits = [Float](repeating: 0, count: 4 * k)
        logits[0 * k + 1] = 10; logits[1 * k + 2] = 1; logits[2 * k + 0] = 8; logits[3 * k + 2] = 0.5
        var tokens: [Int32] = [0, 0, 0, 0], masked = [true, true, true, true]
        var g = RandomGenerator(seed: 1)
        maskGITStep(logits: logits, codes: k, tokens: &tokens, masked: &masked, keepMasked: 2, temperature: 0, generator: &g)
        XCTAssertEqual(masked, [false, true, false, true])
        XCTAssertEqual(tokens[0], 1); XCTAssertEqual(tokens[2], 0)
        // Only the still-masked tokens 1 and 3 are scored: their rows, in order.
        let stillMasked = Array(logits[(1 * k)..<(2 * k)] + logits[(3 * k)..<(4 * k)])
        maskGITStep(logits: stillMasked, codes: k, tokens: &tokens, masked: &masked, keepMasked: 0, temperature: 0, generator: &g)
        XCTAssertEqual(masked, [false, false, false, false])
        XCTAssertEqual(tokens, [1, 2, 0, 2])
    }

    /// At temperature T a masked token draws code j with probability softmax(logits / T)_j, and
    /// a code whose probability underflows to 0 is never drawn.
    func testMaskGITStepSamplesTheTemperedSoftmax() {
        let logits: [Float] = [0, Float(log(3.0)), -1000]
        for (temperature, expected) in [(Float(1), 0.75), (0.5, 0.9)] {
            var g = RandomGenerator(seed: 7)
            var counts = [0, 0, 0]
            for _ in 0..<4000 {
                var tokens: [Int32] = [0], masked = [true]
                maskGITStep(logits: logits, codes: 3, tokens: &tokens, masked: &masked, keepMasked: 0, temperature: temperature, generator: &g)
                XCTAssertEqual(masked, [false])
                counts[Int(tokens[0])] += 1
            }
            XCTAssertEqual(Double(counts[1]) / 4000, expected, accuracy: 0.025, "T = \(temperature): \(counts)")
            XCTAssertEqual(counts[2], 0, "a code of probability 0 is never drawn")
        }
        // Non-finite logits still give a code in range (the first, as argmax finds no larger).
        var tokens: [Int32] = [2], masked = [true], g = RandomGenerator(seed: 8)
        maskGITStep(logits: [Float.nan, .nan, .nan], codes: 3, tokens: &tokens, masked: &masked, keepMasked: 0, temperature: 1, generator: &g)
        XCTAssertEqual(tokens, [0])
        XCTAssertEqual(masked, [false])
    }

    func testSTBlockGradientsMatchFiniteDifferences() {
        var g = RandomGenerator(seed: 12)
        let block = STBlock(TransformerConfig(width: 8, depth: 1, heads: 2, feedForwardMultiple: 2), generator: &g)
        let x = Tensor.randomNormal([2, 3, 4, 8], std: 1, generator: &g, requiresGrad: true)
        // Larger output weights than the default init so every path carries signal.
        for p in block.parameters where p.rank == 2 { for i in 0..<p.count { p.data[i] = g.nextNormal() * 0.3 } }
        let weights = (0..<x.count).map { _ in g.nextNormal() }
        func loss() -> Double {
            let y = withoutGradient { block(x, timeOffset: 2) }
            return (0..<y.count).reduce(0.0) { $0 + Double(y.data[$1]) * Double(weights[$1]) }
        }
        let y = block(x, timeOffset: 2)
        y.backward(seed: weights)
        for tensor in [x] + block.parameters {
            let analytic = tensor.gradientArray!
            // A sample of coordinates keeps the test fast.
            for i in stride(from: 0, to: tensor.count, by: max(1, tensor.count / 12)) {
                let old = tensor.data[i]
                tensor.data[i] = old + 1e-2; let plus = loss()
                tensor.data[i] = old - 1e-2; let minus = loss()
                tensor.data[i] = old
                let numeric = Float((plus - minus) / 2e-2)
                XCTAssertEqual(analytic[i], numeric, accuracy: 2e-2 * max(1, abs(numeric)), "\(tensor.shape)[\(i)]")
            }
        }
    }
}

final class OverfitTests: XCTestCase {
    func train(_ parameters: [Tensor], steps: Int, learningRate: Float = 3e-3, _ loss: () -> Tensor) -> (Float, Float) {
        let optimizer = AdamW(parameters: parameters, learningRate: learningRate)
        var first: Float = 0, last: Float = 0
        for step in 0..<steps {
            optimizer.zeroGradients()
            let l = loss()
            if step == 0 { first = l.item }
            last = l.item
            l.backward()
            clipGradientNorm(parameters, maxNorm: 1)
            optimizer.update()
        }
        return (first, last)
    }

    func testTokenizerOverfitsATinyBatch() {
        let tokenizer = VideoTokenizer(tinyTokenizerConfig(), seed: 13)
        let frames = randomFrames(2, 2, seed: 14)
        var g = RandomGenerator(seed: 1)
        var mse: Float = 1
        let (first, _) = train(tokenizer.parameters, steps: 300) {
            let out = tokenizer.trainingLoss(frames)
            mse = out.reconstructionError
            tokenizer.quantizer.updateUsageAndRestart(out.encoderOutput, indices: out.indices, generator: &g)
            return out.loss
        }
        XCTAssertLessThan(mse, 0.02, "tokenizer reconstruction MSE after 300 steps (first loss \(first))")
    }

    func testCosineQuantizerPicksTheSmallestAngleAndOverfits() {
        var g = RandomGenerator(seed: 20)
        let vq = VectorQuantizer(codes: 5, dimension: 3, normalized: true, generator: &g)
        let z = Tensor.randomNormal([7, 3], std: 4, generator: &g, requiresGrad: true)
        let q = vq(z)
        for r in 0..<7 {
            var best = -Float.infinity, bestIndex = -1
            for k in 0..<5 {
                var dot: Float = 0, nz: Float = 0, nc: Float = 0
                for j in 0..<3 { dot += z.data[r * 3 + j] * vq.codebook.data[k * 3 + j]; nz += z.data[r * 3 + j] * z.data[r * 3 + j]; nc += vq.codebook.data[k * 3 + j] * vq.codebook.data[k * 3 + j] }
                let cosine = dot / (nz * nc).squareRoot()
                if cosine > best { best = cosine; bestIndex = k }
            }
            XCTAssertEqual(Int(q.indices[r]), bestIndex)
            var norm: Float = 0
            for j in 0..<3 { norm += q.vectors.data[r * 3 + j] * q.vectors.data[r * 3 + j] }
            XCTAssertEqual(norm, 1, accuracy: 1e-5, "quantised vectors are unit length")
        }
        // The LAM's codes are cosine codes: it still overfits a tiny batch through them.
        var config = tinyLatentActionConfig()
        config.normalizedCodes = true
        XCTAssertLessThan(reconstructionErrorAfterOverfitting(LatentActionModel(config, seed: 21), frameSeed: 22), 0.02)
    }

    func testLatentActionModelOverfitsATinyBatch() {
        let lam = LatentActionModel(tinyLatentActionConfig(), seed: 15)
        XCTAssertLessThan(reconstructionErrorAfterOverfitting(lam, frameSeed: 16), 0.02)
    }

    /// The LAM's reconstruction error after 300 steps on one tiny batch of random frames.
    private func reconstructionErrorAfterOverfitting(_ lam: LatentActionModel, frameSeed: UInt64) -> Float {
        let frames = randomFrames(2, 3, seed: frameSeed)
        var mse: Float = 1
        _ = train(lam.parameters, steps: 300) {
            let out = lam.trainingLoss(frames)
            mse = out.reconstructionError
            return out.loss
        }
        return mse
    }

    /// With labels, the action reader learns to name which way a bar moved from the action
    /// latent: on fresh clips it names the direction, and the reader's loss falls. Without a
    /// reader the LAM starts from the same weights as one made before the reader existed.
    func testActionReaderLearnsTheLabelledDirection() {
        // A bright 2 px bar on a dark 8x8 frame at a random column, then 2 px to the right (label 1) or left (0).
        func clips(_ count: Int, seed: UInt64) -> (Tensor, [Int32]) {
            var g = RandomGenerator(seed: seed)
            let x = Tensor.zeros([count, 2, 8, 8, 3])
            var labels: [Int32] = []
            for b in 0..<count {
                let right = g.nextInt(2) == 1, start = 2 + g.nextInt(3)
                labels.append(right ? 1 : 0)
                for t in 0..<2 {
                    let column = start + (t == 1 ? (right ? 2 : -2) : 0)
                    for y in 0..<8 { for dx in 0..<2 { for k in 0..<3 { x.data[(((b * 2 + t) * 8 + y) * 8 + column + dx) * 3 + k] = 1 } } }
                }
            }
            return (x, labels)
        }
        var config = tinyLatentActionConfig()
        config.normalizedCodes = true
        XCTAssertEqual(LatentActionModel(config, seed: 31).namedParameters().map(\.name).filter { $0.hasPrefix("actionReader") }, [])
        config.labelledActions = 2; config.actionLabelWeight = 1
        let lam = LatentActionModel(config, seed: 31)
        XCTAssertEqual(lam.parameters.map(\.count).reduce(0, +), config.parameterCount)
        let unlabelled = LatentActionModel({ var c = config; c.labelledActions = nil; return c }(), seed: 31)
        XCTAssertEqual(unlabelled.toPixels.weight.data[7], lam.toPixels.weight.data[7], "drawn last")

        let (frames, labels) = clips(16, seed: 32)
        let all = TransitionLabels(targets: labels, mask: [Bool](repeating: true, count: 16), batchCount: 16)
        let (first, last) = train(lam.parameters, steps: 300, learningRate: 1e-2) { lam.trainingLoss(frames, labels: all).labelLoss! }
        XCTAssertGreaterThan(first, 0.5)
        XCTAssertLessThan(last, 0.1 * first)
        // Only the masked-in transitions count: with none, the reader's loss is zero.
        let none = TransitionLabels(targets: labels, mask: [Bool](repeating: false, count: 16), batchCount: 0)
        XCTAssertEqual(lam.trainingLoss(frames, labels: none).labelLoss!.item, 0)

        let (fresh, truth) = clips(32, seed: 33)
        let named: [Int32] = withoutGradient {
            let logits = lam.actionReader!(l2Normalize(lam.encodeContinuous(fresh)))
            return (0..<32).map { logits.data[$0 * 2 + 1] > logits.data[$0 * 2] ? 1 : 0 }
        }
        XCTAssertGreaterThanOrEqual(zip(named, truth).filter { $0 == $1 }.count, 30, "the reader names the direction of clips it did not see")
    }

    /// The motion input's direction terms have the sign of the shift: a difference image
    /// alone looks alike for a shift either way, Δ·∂m/∂x does not.
    func testLatentActionMotionInputTellsLeftFromRight() {
        // A bright vertical bar on a dark 8x8 frame, then the bar 2 px to the right or left.
        func frames(shift: Int) -> Tensor {
            let x = Tensor.zeros([1, 2, 8, 8, 3])
            for t in 0..<2 {
                for y in 0..<8 {
                    for dx in 0..<2 {
                        let column = 3 + dx + (t == 1 ? shift : 0)
                        for k in 0..<3 { x.data[((t * 8 + y) * 8 + column) * 3 + k] = 1 }
                    }
                }
            }
            return x
        }
        let config = tinyLatentActionConfig()
        let lam = LatentActionModel(config, seed: 21)
        func horizontalTerm(_ shift: Int) -> Float {
            let tokens = lam.motion(frames(shift: shift))  // [1, 2, 4, 3·16·3]
            let values = config.patchValues
            var sum: Float = 0
            for token in 0..<4 {
                for v in 0..<values { sum += tokens.data[((1 * 4 + token) * 3 + 1) * values + v] }
            }
            return sum
        }
        XCTAssertLessThan(horizontalTerm(2), -1, "moving right: negative")
        XCTAssertGreaterThan(horizontalTerm(-2), 1, "moving left: positive")
    }

    /// Four well separated clusters, a codebook of 4 all sitting in one of them: after
    /// placeCodes every cluster has its own code (cosine and Euclidean codebooks alike).
    func testPlaceCodesGivesEachClusterItsOwnCode() {
        let centres: [[Float]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [-1, -1, 0]]
        var g = RandomGenerator(seed: 22)
        var values: [Float] = [], labels: [Int] = []
        for i in 0..<200 {
            let c = i % 4
            labels.append(c)
            values += centres[c].map { 3 * $0 + 0.05 * g.nextNormal() }
        }
        let rows = Tensor(values, shape: [200, 3])
        for normalized in [false, true] {
            let quantizer = VectorQuantizer(codes: 4, dimension: 3, normalized: normalized, generator: &g)
            for k in 0..<4 { for j in 0..<3 { quantizer.codebook.data[k * 3 + j] = centres[0][j] + 0.01 * Float(k) } }
            quantizer.placeCodes(onClustersOf: rows, generator: &g)
            let indices: [Int] = withoutGradient { quantizer(rows).indices }.map { Int($0) }
            var codeOfCluster = [Int: Set<Int>]()
            for (label, code) in zip(labels, indices) { codeOfCluster[label, default: []].insert(code) }
            XCTAssertEqual(codeOfCluster.values.map(\.count), [1, 1, 1, 1], "one code per cluster (normalized: \(normalized))")
            XCTAssertEqual(Set(codeOfCluster.values.map { $0.first! }).count, 4, "four different codes (normalized: \(normalized))")
        }
    }

    /// With changedPixelWeight the reconstruction term is mean(w·(x̂ − x)²) with w (scaled to
    /// mean 1) larger where x_{t+1} differs from x_t; the reported error stays the plain MSE.
    func testChangedPixelWeightWeighsTheLoss() {
        let frames = randomFrames(1, 3, seed: 23)
        for i in 0..<(8 * 8 * 3) where i % 2 == 0 { frames.data[8 * 8 * 3 + i] = frames.data[i] }  // half of frame 1 unchanged
        var plainConfig = tinyLatentActionConfig()
        plainConfig.changedPixelWeight = nil
        var weightedConfig = plainConfig
        weightedConfig.changedPixelWeight = 5
        let plain = withoutGradient { LatentActionModel(plainConfig, seed: 24).trainingLoss(frames) }
        let weighted = withoutGradient { LatentActionModel(weightedConfig, seed: 24).trainingLoss(frames) }
        XCTAssertEqual(plain.reconstructionError, weighted.reconstructionError, accuracy: 1e-7)
        let future = slice(frames, axis: 1, 1..<3), past = slice(frames, axis: 1, 0..<2)
        var weights = (0..<future.count).map { abs(future.data[$0] - past.data[$0]) > 0.5 / 255 ? Float(5) : 1 }
        let meanWeight = weights.reduce(0, +) / Float(weights.count)
        weights = weights.map { $0 / meanWeight }
        var weightedError: Float = 0
        for i in 0..<future.count {
            let e = weighted.prediction.data[i] - future.data[i]
            weightedError += weights[i] * e * e
        }
        weightedError /= Float(future.count)
        XCTAssertEqual(weighted.loss.item - plain.loss.item, weightedError - plain.reconstructionError, accuracy: 1e-5)
        XCTAssertNotEqual(weightedError, plain.reconstructionError, accuracy: 1e-6)
    }

    func testDynamicsOverfitsATinyBatch() {
        let dynamics = DynamicsModel(tinyDynamicsConfig(), seed: 17)
        var g = RandomGenerator(seed: 18)
        let tokens = (0..<(2 * 4 * 4)).map { _ in Int32(g.nextInt(16)) }
        let actions: [Int32] = [0, 1, 2, 3, 2, 1]
        let (first, last) = train(dynamics.parameters, steps: 200) {
            let mask = dynamics.sampleMask(batch: 2, frames: 4, generator: &g)
            return dynamics.trainingLoss(tokens: tokens, actions: actions, batch: 2, frames: 4, mask: mask).loss
        }
        XCTAssertLessThan(last, 0.3, "dynamics masked cross-entropy (first \(first))")
        // And MaskGIT then regenerates frame 1 of clip 0 from frame 0 and its action.
        let generated = generateNextFrame(model: dynamics, context: Array(tokens[0..<4]), actions: [0],
                                          settings: MaskGITSettings(iterations: 4, temperature: 0), generator: &g)
        XCTAssertEqual(generated, Array(tokens[4..<8]))
    }
}

/// Checkpoints store their configuration as JSON; older LAM checkpoints said what the
/// encoder reads with two Bools (`encoderReadsMotion`, `encoderReadsFrames`), and variants
/// that lost their ablations (other encoder inputs, a decoder without history, cosine
/// tokenizer codes) are refused by name rather than loaded as something else.
final class ConfigurationCompatibilityTests: XCTestCase {
    func decode(_ extra: String) throws -> LatentActionConfig {
        let json = """
            {"actions":8,"channels":3,"commitment":0.25,"frameHeight":64,"frameWidth":64,"latentDimension":16,"patch":8,
             "decoder":{"depth":3,"feedForwardMultiple":4,"heads":4,"width":128},
             "encoder":{"depth":3,"feedForwardMultiple":4,"heads":4,"width":128}\(extra)}
            """
        return try JSONDecoder().decode(LatentActionConfig.self, from: Data(json.utf8))
    }

    func refusal(_ extra: String) -> String {
        do { _ = try decode(extra); return "loaded" } catch { return "\(error)" }
    }

    func testOlderMotionLatentActionConfigurationsLoad() throws {
        XCTAssertEqual(try decode(#","encoderReadsFrames":false,"encoderReadsMotion":true"#).latentDimension, 16)
        XCTAssertEqual(try decode(#","encoderInput":"motion","decoderHistory":true"#).latentDimension, 16)
    }

    func testRetiredLatentActionVariantsAreRefusedByName() {
        XCTAssertTrue(refusal(#","encoderReadsFrames":true"#).contains(#"reads "frames""#), refusal(#","encoderReadsFrames":true"#))
        XCTAssertTrue(refusal("").contains(#"reads "changes""#), refusal(""))
        XCTAssertTrue(refusal(#","encoderInput":"pixels""#).contains(#"reads "pixels""#))
        XCTAssertTrue(refusal(#","encoderInput":"motion","decoderHistory":false"#).contains("no past frames"))
    }

    func testLatentActionConfigurationRoundTrips() throws {
        var config = LatentActionConfig()
        config.changedPixelWeight = 10
        config.normalizedCodes = true
        config.labelledActions = 6; config.actionLabelWeight = 0.1
        let data = try JSONEncoder().encode(config)
        XCTAssertEqual(try JSONDecoder().decode(LatentActionConfig.self, from: data), config)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertFalse(text.contains("encoderReads"))
        XCTAssertTrue(text.contains(#""encoderInput":"motion""#))
    }

    func testTokenizerConfigurationRoundTripsAndRefusesCosineCodes() throws {
        var config = TokenizerConfig()
        config.patch = 4; config.codebookSize = 512
        let data = try JSONEncoder().encode(config)
        XCTAssertEqual(try JSONDecoder().decode(TokenizerConfig.self, from: data), config)
        var json = String(decoding: data, as: UTF8.self)
        json.removeLast()
        XCTAssertNoThrow(try JSONDecoder().decode(TokenizerConfig.self, from: Data((json + #","normalizedCodes":false}"#).utf8)).validate())
        let cosine = try JSONDecoder().decode(TokenizerConfig.self, from: Data((json + #","normalizedCodes":true}"#).utf8))
        XCTAssertThrowsError(try cosine.validate()) { XCTAssertTrue("\($0)".contains("cosine codes"), "\($0)") }
        XCTAssertNoThrow(try config.validate())
    }
}

/// Attention's query, key and value projections are one fused matrix; checkpoints from
/// before the fusion hold three, and load into it unchanged.
final class FusedProjectionCompatibilityTests: XCTestCase {
    func testCheckpointWithSeparateProjectionsLoadsIntoTheFusedLayer() throws {
        let model = DynamicsModel(tinyDynamicsConfig(), seed: 21)
        let directory = NSTemporaryDirectory() + "genie-fused-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Written as an older genie wrote it: each fused matrix split by its columns.
        var legacy: [(name: String, tensor: Tensor)] = []
        var split = 0
        for (name, tensor) in model.namedParameters() {
            guard name.contains(".queryKeyValue.") else { legacy.append((name, tensor)); continue }
            let c = tensor.shape[tensor.rank - 1] / 3
            for (i, part) in ["query", "key", "value"].enumerated() {
                let piece = withoutGradient { slice(tensor, axis: tensor.rank - 1, (i * c)..<((i + 1) * c)) }
                legacy.append((name.replacingOccurrences(of: ".queryKeyValue.", with: ".\(part)."), piece))
            }
            split += 1
        }
        XCTAssertEqual(split, 2 * 2 * tinyDynamicsConfig().transformer.depth, "weight and bias of two attentions per block")
        let path = directory + "/legacy.safetensors"
        try SafeTensorsFile.write(legacy, metadata: ["genie.kind": "dynamics", "genie.config": try Checkpoint.configText(model.config),
                                                     "genie.format": "1"], to: path)
        XCTAssertFalse(try SafeTensorsFile.read(path).names.contains { $0.contains("queryKeyValue") })
        let (loaded, _) = try Checkpoint.loadDynamics(path)
        for ((name, a), (_, b)) in zip(model.namedParameters(), loaded.namedParameters()) {
            XCTAssertEqual(a.array, b.array, name)
        }
        let tokens: [Int32] = (0..<12).map { Int32($0 % 16) }
        let before = withoutGradient { model.logits(tokens: tokens, actions: [1, 2], batch: 1, frames: 3).array }
        let after = withoutGradient { loaded.logits(tokens: tokens, actions: [1, 2], batch: 1, frames: 3).array }
        XCTAssertEqual(before, after)
    }
}

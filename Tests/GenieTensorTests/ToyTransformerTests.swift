import XCTest
@testable import GenieTensor

/// A small transformer built only from engine operations must learn to reverse 8 tokens.
final class ToyTransformerTests: XCTestCase {
    func testLearnsToReverseEightTokens() {
        let vocabulary = 10, length = 8, width = 32, heads = 2, batch = 32
        var g = RandomGenerator(seed: 3)
        func parameter(_ shape: [Int], std: Float) -> Tensor { Tensor.randomNormal(shape, std: std, generator: &g, requiresGrad: true) }
        func ones(_ n: Int) -> Tensor { Tensor([Float](repeating: 1, count: n), shape: [n], requiresGrad: true) }
        let tokenTable = parameter([vocabulary, width], std: 0.5), positions = parameter([length, width], std: 0.5)
        struct Layer { let g1, b1, wq, wk, wv, wo, g2, b2, w1, c1, w2, c2: Tensor }
        var layers: [Layer] = []
        for _ in 0..<2 {
            layers.append(Layer(g1: ones(width), b1: Tensor.zeros([width], requiresGrad: true),
                                wq: parameter([width, width], std: 0.15), wk: parameter([width, width], std: 0.15),
                                wv: parameter([width, width], std: 0.15), wo: parameter([width, width], std: 0.15),
                                g2: ones(width), b2: Tensor.zeros([width], requiresGrad: true),
                                w1: parameter([width, 4 * width], std: 0.15), c1: Tensor.zeros([4 * width], requiresGrad: true),
                                w2: parameter([4 * width, width], std: 0.08), c2: Tensor.zeros([width], requiresGrad: true)))
        }
        let finalGain = ones(width), finalBias = Tensor.zeros([width], requiresGrad: true)
        let head = parameter([width, vocabulary], std: 0.15)
        let parameters = [tokenTable, positions, finalGain, finalBias, head] + layers.flatMap {
            [$0.g1, $0.b1, $0.wq, $0.wk, $0.wv, $0.wo, $0.g2, $0.b2, $0.w1, $0.c1, $0.w2, $0.c2]
        }
        func forward(_ tokens: [Int32], batch: Int) -> Tensor {
            var x = add(embedding(tokens, shape: [batch, 1, length], table: tokenTable), positions)
            for l in layers {
                let h = layerNorm(x, gain: l.g1, bias: l.b1)
                let a = attention(query: linear(h, l.wq), key: linear(h, l.wk), value: linear(h, l.wv), heads: heads, axis: .spatial, causal: false)
                x = add(x, linear(a, l.wo))
                let h2 = layerNorm(x, gain: l.g2, bias: l.b2)
                x = add(x, linear(gelu(linear(h2, l.w1, l.c1)), l.w2, l.c2))
            }
            return linear(layerNorm(x, gain: finalGain, bias: finalBias), head)
        }
        func sample(_ n: Int) -> ([Int32], [Int32]) {
            var inputs: [Int32] = [], targets: [Int32] = []
            for _ in 0..<n {
                let seq = (0..<length).map { _ in Int32(g.nextInt(vocabulary)) }
                inputs += seq; targets += seq.reversed()
            }
            return (inputs, targets)
        }
        let optimizer = AdamW(parameters: parameters, learningRate: 3e-3, weightDecay: 0)
        let schedule = LearningRateSchedule(peak: 3e-3, warmupSteps: 30, totalSteps: 800)
        var firstLoss: Float = 0, lastLoss: Float = 0
        for step in 1...800 {
            let (inputs, targets) = sample(batch)
            let loss = crossEntropy(reshape(forward(inputs, batch: batch), [-1, vocabulary]), targets: targets)
            if step == 1 { firstLoss = loss.item }
            lastLoss = loss.item
            optimizer.zeroGradients()
            loss.backward()
            clipGradientNorm(parameters, maxNorm: 1)
            optimizer.learningRate = schedule.rate(at: step)
            optimizer.update()
        }
        let (inputs, targets) = sample(256)
        let logits = withoutGradient { forward(inputs, batch: 256) }
        var correct = 0
        for r in 0..<(256 * length) {
            var best = 0
            for v in 1..<vocabulary where logits.data[r * vocabulary + v] > logits.data[r * vocabulary + best] { best = v }
            if best == Int(targets[r]) { correct += 1 }
        }
        let accuracy = Double(correct) / Double(256 * length)
        XCTAssertLessThan(lastLoss, firstLoss / 10, "loss must fall")
        XCTAssertGreaterThan(accuracy, 0.99, "reversal accuracy \(accuracy), final loss \(lastLoss)")
    }
}

import XCTest
@testable import GenieTensor

/// Central finite differences against the hand-written backward of an operation.
///
/// The loss is Σ output · R with a fixed random R, so every output element carries a
/// different weight and a wrong index in a backward shows up.
func checkGradients(_ name: String, inputs: [Tensor], epsilon: Float = 1e-2, tolerance: Float = 2e-2,
                    file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
    var generator = RandomGenerator(seed: 99)
    let probe = f(inputs)
    let weights = (0..<probe.count).map { _ in generator.nextNormal() }
    func loss() -> Double {
        let y = withoutGradient { f(inputs) }
        var s: Double = 0
        for i in 0..<y.count { s += Double(y.data[i]) * Double(weights[i]) }
        return s
    }
    for x in inputs { x.zeroGradient() }
    let y = f(inputs)
    y.backward(seed: weights)
    for (index, x) in inputs.enumerated() where x.requiresGrad {
        let analytic = x.gradientArray ?? [Float](repeating: 0, count: x.count)
        var worst: Float = 0
        for i in 0..<x.count {
            let old = x.data[i]
            x.data[i] = old + epsilon
            let plus = loss()
            x.data[i] = old - epsilon
            let minus = loss()
            x.data[i] = old
            let numeric = Float((plus - minus) / Double(2 * epsilon))
            let error = abs(numeric - analytic[i]) / max(1, abs(numeric), abs(analytic[i]))
            worst = max(worst, error)
        }
        XCTAssertLessThan(worst, tolerance, "\(name): gradient of input \(index) \(x.shape) is off by \(worst)", file: file, line: line)
    }
}

func randomTensor(_ shape: [Int], seed: UInt64, std: Float = 1, grad: Bool = true) -> Tensor {
    var g = RandomGenerator(seed: seed)
    return Tensor.randomNormal(shape, std: std, generator: &g, requiresGrad: grad)
}

final class GradientTests: XCTestCase {
    func testLinear() {
        let x = randomTensor([2, 3, 5], seed: 1), w = randomTensor([5, 4], seed: 2), b = randomTensor([4], seed: 3)
        checkGradients("linear", inputs: [x, w, b]) { linear($0[0], $0[1], $0[2]) }
        let r = randomTensor([2, 3, 4], seed: 4)
        checkGradients("linear + residual", inputs: [x, w, b, r]) { linear($0[0], $0[1], $0[2], residual: $0[3]) }
        checkGradients("linear + residual, no bias", inputs: [x, w, r]) { linear($0[0], $0[1], residual: $0[2]) }
    }

    func testBroadcastAddAndMul() {
        let a = randomTensor([2, 3, 4, 5], seed: 6)
        for shape in [[5], [4, 5], [2, 3, 1, 5], [3, 1, 1], [1]] {
            let b = randomTensor(shape, seed: 7)
            checkGradients("add \(shape)", inputs: [a, b]) { add($0[0], $0[1]) }
            checkGradients("mul \(shape)", inputs: [a, b]) { mul($0[0], $0[1]) }
        }
    }

    func testPointwise() {
        let x = randomTensor([3, 7], seed: 8)
        checkGradients("gelu", inputs: [x]) { gelu($0[0]) }
        checkGradients("scale", inputs: [x]) { scale($0[0], -1.5) }
    }

    func testLayerNormAndL2Normalize() {
        let x = randomTensor([2, 3, 6], seed: 9), g = randomTensor([6], seed: 10), b = randomTensor([6], seed: 11)
        checkGradients("layerNorm", inputs: [x, g, b]) { layerNorm($0[0], gain: $0[1], bias: $0[2]) }
        checkGradients("l2Normalize", inputs: [x]) { l2Normalize($0[0]) }
        // Rows longer than the 16 lanes of the vectorised dot product, with a tail.
        checkGradients("l2Normalize 20", inputs: [randomTensor([3, 20], seed: 19)]) { l2Normalize($0[0]) }
    }

    func testAttentionBothAxes() {
        for axis in [AttentionAxis.spatial, .temporal] {
            for causal in [false, true] {
                let q = randomTensor([2, 3, 4, 6], seed: 12), k = randomTensor([2, 3, 4, 6], seed: 13), v = randomTensor([2, 3, 4, 6], seed: 14)
                checkGradients("attention \(axis) causal=\(causal)", inputs: [q, k, v]) {
                    attention(query: $0[0], key: $0[1], value: $0[2], heads: 2, axis: axis, causal: causal)
                }
            }
        }
    }

    func testSpatialAttentionOverMoreThan16Keys() {
        // 20 tokens a frame: the softmax backward's rows run the 16-lane loop and a tail.
        let q = randomTensor([1, 2, 20, 4], seed: 20), k = randomTensor([1, 2, 20, 4], seed: 21), v = randomTensor([1, 2, 20, 4], seed: 22)
        checkGradients("attention spatial 20", inputs: [q, k, v]) {
            attention(query: $0[0], key: $0[1], value: $0[2], heads: 2, axis: .spatial, causal: false)
        }
    }

    func testAttentionWithLongerKeys() {
        // Temporal attention of 2 new frames over 5 frames of keys (a KV-cache shape).
        let q = randomTensor([2, 2, 3, 4], seed: 15), k = randomTensor([2, 5, 3, 4], seed: 16), v = randomTensor([2, 5, 3, 4], seed: 17)
        checkGradients("attention cached", inputs: [q, k, v]) {
            attention(query: $0[0], key: $0[1], value: $0[2], heads: 2, axis: .temporal, causal: true)
        }
    }

    func testRotary() {
        let x = randomTensor([2, 3, 2, 8], seed: 18)
        checkGradients("rotary temporal", inputs: [x]) { rotaryEmbedding($0[0], heads: 2, axis: .temporal, offset: 5) }
        checkGradients("rotary spatial", inputs: [x]) { rotaryEmbedding($0[0], heads: 2, axis: .spatial) }
    }

    func testEmbedding() {
        let table = randomTensor([5, 3], seed: 19)
        let indices: [Int32] = [0, 4, 4, 2, 1, 0]  // repeated rows exercise the scatter-add
        checkGradients("embedding", inputs: [table]) { embedding(indices, shape: [2, 3], table: $0[0]) }
    }

    func testShapeOperations() {
        let x = randomTensor([2, 3, 4], seed: 20)
        checkGradients("reshape", inputs: [x]) { reshape($0[0], [6, -1]) }
        checkGradients("permute", inputs: [x]) { permute($0[0], [2, 0, 1]) }
        checkGradients("slice", inputs: [x]) { slice($0[0], axis: 1, 1..<3) }
        let y = randomTensor([2, 2, 4], seed: 21)
        checkGradients("concatenate", inputs: [x, y]) { concatenate([$0[0], $0[1]], axis: 1) }
        let frames = randomTensor([2, 2, 4, 6, 3], seed: 22)
        checkGradients("patchify", inputs: [frames]) { patchify($0[0], patch: 2) }
    }

    func testLosses() {
        let p = randomTensor([3, 4], seed: 23), t = randomTensor([3, 4], seed: 24, grad: false)
        checkGradients("mse", inputs: [p]) { meanSquaredError($0[0], t) }
        let logits = randomTensor([5, 7], seed: 25)
        checkGradients("crossEntropy", inputs: [logits]) { crossEntropy($0[0], targets: [1, 6, 0, 3, 3]) }
        checkGradients("crossEntropy masked", inputs: [logits]) {
            crossEntropy($0[0], targets: [1, 6, 0, 3, 3], mask: [true, false, true, false, true])
        }
    }

    func testVectorQuantizerLossGradient() {
        // The loss is (1 + β)·mean((z − q)²) in value, but its two halves stop gradients on
        // purpose: the codebook gets the gradient of mean((sg(z) − q)²) and z that of
        // β·mean((z − sg(q))²). Away from ties the code choice is locally constant, so finite
        // differences of D = mean((z − q)²) give both: ∂/∂c = ∂D/∂c, ∂/∂z = β·∂D/∂z.
        let beta: Float = 0.25
        let z = randomTensor([6, 4], seed: 26), codebook = randomTensor([5, 4], seed: 27)
        let q = vectorQuantize(z, codebook: codebook, commitment: beta)
        q.loss.backward()
        func distortion() -> Double { Double(withoutGradient { vectorQuantize(z, codebook: codebook, commitment: beta).loss.item }) / Double(1 + beta) }
        for (x, factor) in [(z, Double(beta)), (codebook, 1.0)] {
            let analytic = x.gradientArray!
            for i in 0..<x.count {
                let old = x.data[i]
                x.data[i] = old + 1e-3; let plus = distortion()
                x.data[i] = old - 1e-3; let minus = distortion()
                x.data[i] = old
                XCTAssertEqual(analytic[i], Float(factor * (plus - minus) / 2e-3), accuracy: 2e-3)
            }
        }
        // The forward value is exactly (1 + β)·mean((z − q)²).
        var d: Float = 0
        for i in 0..<z.count { let e = z.data[i] - q.vectors.data[i]; d += e * e }
        XCTAssertEqual(q.loss.item, (1 + beta) * d / Float(z.count), accuracy: 1e-5)
    }
}

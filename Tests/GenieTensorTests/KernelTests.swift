import XCTest
@testable import GenieTensor

/// Fast kernels against plain reference loops, causal masking, and the optimiser.
final class KernelTests: XCTestCase {
    func testGemmMatchesReferenceForAllTransposesAndStrides() {
        // The same check `genie bench kernels --verify-only` runs: every transpose pair,
        // padded leading dimensions, shapes from 1×1×1 to 256×96×300.
        for seed: UInt64 in [1, 2, 3] {
            XCTAssertLessThan(verifyGemmAgainstReference(seed: seed), 1e-4)
        }
        // Both agree with a product worked out by hand.
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var fast = [Float](repeating: 0, count: 4), slow = fast
        gemm(transposeA: false, transposeB: false, m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, c: &fast, ldc: 2)
        referenceGemm(transposeA: false, transposeB: false, m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, c: &slow, ldc: 2)
        XCTAssertEqual(fast, [19, 22, 43, 50])
        XCTAssertEqual(slow, [19, 22, 43, 50])
    }

    /// Attention computed by explicit loops over [B, T, S, C].
    func referenceAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int, axis: AttentionAxis, causal: Bool) -> [Float] {
        let (b, tq, s, c) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let tk = k.shape[1], d = c / heads
        var out = [Float](repeating: 0, count: q.count)
        func at(_ t: Tensor, _ bi: Int, _ ti: Int, _ si: Int, _ ch: Int) -> Float { t.data[((bi * t.shape[1] + ti) * s + si) * c + ch] }
        for bi in 0..<b {
            for ti in 0..<tq {
                for si in 0..<s {
                    for h in 0..<heads {
                        // Keys along the axis.
                        let keys: [(Int, Int)] = axis == .spatial ? (0..<s).map { (ti, $0) } : (0..<tk).map { ($0, si) }
                        var scores: [Double] = []
                        for (index, (kt, ks)) in keys.enumerated() {
                            let position = axis == .spatial ? si : ti + (tk - tq)
                            if causal && index > position { scores.append(-.infinity); continue }
                            var dot: Double = 0
                            for j in 0..<d { dot += Double(at(q, bi, ti, si, h * d + j)) * Double(at(k, bi, kt, ks, h * d + j)) }
                            scores.append(dot / Double(d).squareRoot())
                        }
                        let mx = scores.max()!
                        let e = scores.map { Foundation.exp($0 - mx) }
                        let z = e.reduce(0, +)
                        for j in 0..<d {
                            var acc: Double = 0
                            for (index, (kt, ks)) in keys.enumerated() { acc += e[index] / z * Double(at(v, bi, kt, ks, h * d + j)) }
                            out[((bi * tq + ti) * s + si) * c + h * d + j] = Float(acc)
                        }
                    }
                }
            }
        }
        return out
    }

    func testAttentionMatchesReference() {
        for axis in [AttentionAxis.spatial, .temporal] {
            for causal in [false, true] {
                let q = randomTensor([2, 5, 6, 8], seed: 2, grad: false), k = randomTensor([2, 5, 6, 8], seed: 3, grad: false)
                let v = randomTensor([2, 5, 6, 8], seed: 4, grad: false)
                let fast = attention(query: q, key: k, value: v, heads: 2, axis: axis, causal: causal).array
                let slow = referenceAttention(q, k, v, heads: 2, axis: axis, causal: causal)
                for i in 0..<fast.count { XCTAssertEqual(fast[i], slow[i], accuracy: 1e-4, "\(axis) causal=\(causal)") }
            }
        }
        // Queries of the last 2 frames over 5 frames of keys.
        let q = randomTensor([1, 2, 3, 4], seed: 5, grad: false), k = randomTensor([1, 5, 3, 4], seed: 6, grad: false)
        let v = randomTensor([1, 5, 3, 4], seed: 7, grad: false)
        let fast = attention(query: q, key: k, value: v, heads: 1, axis: .temporal, causal: true).array
        let slow = referenceAttention(q, k, v, heads: 1, axis: .temporal, causal: true)
        for i in 0..<fast.count { XCTAssertEqual(fast[i], slow[i], accuracy: 1e-4) }
    }

    func testLargeAttentionUsesBothCoresAndStillMatches() {
        // Big enough for the two-way split of the (sequence, head) loop; 32 keys take the
        // plain-loop path, 40 the sgemm path; head sizes 8, 24 and 20 cover the 16-lane tail.
        for (shape, heads) in [([2, 4, 32, 16], 2), ([2, 4, 40, 48], 2), ([1, 3, 40, 40], 2)] {
            let q = randomTensor(shape, seed: 8, grad: false), k = randomTensor(shape, seed: 9, grad: false)
            let v = randomTensor(shape, seed: 10, grad: false)
            for causal in [false, true] {
                let fast = attention(query: q, key: k, value: v, heads: heads, axis: .spatial, causal: causal).array
                let slow = referenceAttention(q, k, v, heads: heads, axis: .spatial, causal: causal)
                for i in 0..<fast.count { XCTAssertEqual(fast[i], slow[i], accuracy: 1e-4, "\(shape) causal=\(causal)") }
            }
        }
    }

    func testCausalTemporalAttentionIgnoresLaterFrames() {
        let q = randomTensor([1, 4, 3, 4], seed: 11, grad: false), k = randomTensor([1, 4, 3, 4], seed: 12, grad: false)
        let v = randomTensor([1, 4, 3, 4], seed: 13, grad: false)
        let before = attention(query: q, key: k, value: v, heads: 2, axis: .temporal, causal: true).array
        // Change everything in frame 3 (the last).
        let frameSize = 3 * 4
        for i in (3 * frameSize)..<(4 * frameSize) { q.data[i] += 5; k.data[i] -= 3; v.data[i] += 7 }
        let after = attention(query: q, key: k, value: v, heads: 2, axis: .temporal, causal: true).array
        XCTAssertEqual(Array(before[0..<(3 * frameSize)]), Array(after[0..<(3 * frameSize)]), "frames 0-2 must not see frame 3")
        XCTAssertNotEqual(Array(before[(3 * frameSize)...]), Array(after[(3 * frameSize)...]))
        // Without the mask, earlier frames do change.
        let open = attention(query: q, key: k, value: v, heads: 2, axis: .temporal, causal: false).array
        XCTAssertNotEqual(Array(before[0..<frameSize]), Array(open[0..<frameSize]))
    }

    func testLinearMatchesReference() {
        let x = randomTensor([3, 4, 5], seed: 14, grad: false), w = randomTensor([5, 6], seed: 15, grad: false), b = randomTensor([6], seed: 16, grad: false)
        let y = linear(x, w, b).array
        for r in 0..<12 {
            for j in 0..<6 {
                var s = b.data[j]
                for i in 0..<5 { s += x.data[r * 5 + i] * w.data[i * 6 + j] }
                XCTAssertEqual(y[r * 6 + j], s, accuracy: 1e-4)
            }
        }
        // With a residual: the same product plus the residual, with and without the bias.
        let residual = randomTensor([3, 4, 6], seed: 17, grad: false)
        let withBias = linear(x, w, b, residual: residual).array, without = linear(x, w, residual: residual).array
        for i in 0..<72 {
            XCTAssertEqual(withBias[i], y[i] + residual.data[i], accuracy: 1e-4)
            XCTAssertEqual(without[i], y[i] - b.data[i % 6] + residual.data[i], accuracy: 1e-4)
        }
    }

    func testLayerNormNormalises() {
        let x = randomTensor([4, 16], seed: 17, std: 3, grad: false)
        let y = layerNorm(x, gain: Tensor([Float](repeating: 1, count: 16), shape: [16]), bias: Tensor.zeros([16])).array
        for r in 0..<4 {
            let row = y[(r * 16)..<(r * 16 + 16)]
            let m = row.reduce(0, +) / 16
            let v = row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 16
            XCTAssertEqual(m, 0, accuracy: 1e-5)
            XCTAssertEqual(v, 1, accuracy: 1e-3)
        }
    }

    func testPatchifyRoundTripAndLayout() {
        let frames = randomTensor([2, 3, 8, 4, 3], seed: 18, grad: false)
        let tokens = patchify(frames, patch: 2)
        XCTAssertEqual(tokens.shape, [2, 3, 8, 12])
        // Token (row 1, col 0) of frame (0,0) starts with pixel (2, 0).
        XCTAssertEqual(tokens.data[(1 * 2 + 0) * 12], frames.data[(2 * 4 + 0) * 3])
        XCTAssertEqual(unpatchify(tokens, patch: 2, height: 8, width: 4, channels: 3).array, frames.array)
    }

    func testNearestCodesMatchBruteForce() {
        let z = randomTensor([50, 8], seed: 19, grad: false), codebook = randomTensor([33, 8], seed: 20, grad: false)
        let (indices, distances) = nearestCodes(z.data, rows: 50, codebook: codebook.data, codes: 33, dimension: 8)
        for r in 0..<50 {
            var best = Float.infinity, bestIndex = -1
            for c in 0..<33 {
                var d: Float = 0
                for i in 0..<8 { let e = z.data[r * 8 + i] - codebook.data[c * 8 + i]; d += e * e }
                if d < best { best = d; bestIndex = c }
            }
            XCTAssertEqual(Int(indices[r]), bestIndex)
            XCTAssertEqual(distances[r], best, accuracy: 1e-3)
        }
    }

    func testStraightThroughPassesGradientUnchanged() {
        let z = randomTensor([4, 3], seed: 21), codebook = randomTensor([5, 3], seed: 22, grad: false)
        let q = vectorQuantize(z, codebook: codebook)
        for r in 0..<4 {
            XCTAssertEqual(Array(q.vectors.array[(r * 3)..<(r * 3 + 3)]), Array(codebook.array[(Int(q.indices[r]) * 3)..<(Int(q.indices[r]) * 3 + 3)]))
        }
        let seed: [Float] = (0..<12).map { Float($0) }
        q.vectors.backward(seed: seed)
        XCTAssertEqual(z.gradientArray!, seed)
    }

    func testAdamWMatchesHandComputedSteps() {
        let w = Tensor([1.0, -2.0], shape: [1, 2], requiresGrad: true)
        let optimizer = AdamW(parameters: [w], learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01)
        // Step 1 with g = (0.5, -1): m̂ = g, v̂ = g², update = lr·(sign(g) + wd·w).
        w.grad = Storage(count: 2); w.grad!.pointer[0] = 0.5; w.grad!.pointer[1] = -1
        optimizer.update()
        XCTAssertEqual(w.data[0], 1.0 - 0.1 * (1 + 0.01 * 1.0), accuracy: 1e-6)
        XCTAssertEqual(w.data[1], -2.0 - 0.1 * (-1 + 0.01 * -2.0), accuracy: 1e-6)
        // Step 2 with g = (0.5, 1) on the first weight: m = 0.9·0.05 + 0.05 = 0.095, m̂ = 0.095/0.19 = 0.5;
        // v = 0.999·0.00025 + 0.00025 = 0.00049975, v̂ = v/0.001999 = 0.25; update = 0.5/0.5 = 1.
        let w0 = w.data[0]
        w.grad!.pointer[0] = 0.5; w.grad!.pointer[1] = 1
        optimizer.update()
        XCTAssertEqual(w.data[0], w0 - 0.1 * (1 + 0.01 * w0), accuracy: 1e-5)
        // Second weight: m = 0.9·(−0.1) + 0.1 = 0.01, m̂ = 0.01/0.19; v = 0.999·0.001 + 0.001 = 0.001999, v̂ = 1.
        let w1before: Float = -2.0 - 0.1 * (-1 + 0.01 * -2.0)
        let expected = w1before - 0.1 * (Float(0.01 / 0.19) / (1 + 1e-8) + 0.01 * w1before)
        XCTAssertEqual(w.data[1], expected, accuracy: 1e-5)
    }

    func testParameterAverageMatchesHandComputedSteps() {
        let w = Tensor([4.0, -2.0], shape: [2], requiresGrad: true)
        let average = ParameterAverage(parameters: [w], decay: 0.75)
        XCTAssertEqual(average.averages[0].array, [4, -2], "the average starts at the parameters")
        // w → (0, 2): a = 4 + 0.25·(0 − 4) = 3, −2 + 0.25·(2 + 2) = −1.
        w.data[0] = 0; w.data[1] = 2
        average.update()
        XCTAssertEqual(average.averages[0].array, [3, -1])
        // w → (8, 2): a = 3 + 0.25·5 = 4.25, −1 + 0.25·3 = −0.25.
        w.data[0] = 8
        average.update()
        XCTAssertEqual(average.averages[0].array, [4.25, -0.25])
        // In place for a body, then the parameters come back.
        let seen = average.withAveragesInPlace { w.array }
        XCTAssertEqual(seen, [4.25, -0.25])
        XCTAssertEqual(w.array, [8, 2])
    }

    func testGradientClippingAndSchedule() {
        let w = Tensor([0, 0], shape: [2], requiresGrad: true)
        w.grad = Storage(count: 2); w.grad!.pointer[0] = 3; w.grad!.pointer[1] = 4
        XCTAssertEqual(clipGradientNorm([w], maxNorm: 1), 5, accuracy: 1e-6)
        XCTAssertEqual(w.gradientArray!, [0.6, 0.8])
        let s = LearningRateSchedule(peak: 1, warmupSteps: 10, totalSteps: 110, finalFraction: 0.1)
        XCTAssertEqual(s.rate(at: 5), 0.5, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 10), 1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 60), 0.55, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 110), 0.1, accuracy: 1e-6)
    }

    func testRandomGeneratorIsTheSameEverywhere() {
        // Reference values from an independent Python implementation of SplitMix64 + xoshiro256**.
        var g = RandomGenerator(seed: 42)
        XCTAssertEqual([g.next(), g.next(), g.next()], [1546998764402558742, 6990951692964543102, 12544586762248559009])
        var a = RandomGenerator(seed: 7), b = RandomGenerator(seed: 7)
        for _ in 0..<100 { XCTAssertEqual(a.nextNormal(), b.nextNormal()) }
        let saved = a.state
        let x = a.nextFloat()
        XCTAssertEqual(RandomGenerator(state: saved).nextFloatCopy(), x)
    }
}

extension RandomGenerator {
    fileprivate func nextFloatCopy() -> Float { var c = self; return c.nextFloat() }
}

final class FastMathTests: XCTestCase {
    func testFastExpAndTanhMatchLibm() {
        var worstExp: Float = 0, worstTanh: Float = 0
        var x: Float = -80
        while x < 80 {
            worstExp = max(worstExp, abs(FastMath.exp(x) - Foundation.exp(x)) / Foundation.exp(x))
            worstTanh = max(worstTanh, abs(FastMath.tanh(x / 8) - Foundation.tanh(x / 8)))
            x += 0.037
        }
        XCTAssertLessThan(worstExp, 1e-6)
        XCTAssertLessThan(worstTanh, 1e-6)
    }
}

final class RandomStateTextTests: XCTestCase {
    func testStateTextRoundTripsAndRejectsDamage() {
        var g = RandomGenerator(seed: 42)
        _ = g.next()
        var restored = RandomGenerator(stateText: g.stateText)
        XCTAssertEqual(restored, g)
        XCTAssertEqual(restored?.next(), g.next())
        for bad in ["", "1,2,3", "1,2,3,4,5", "1,2,x,4", "1,,3,4", "-1,2,3,4", "18446744073709551616,2,3,4"] {
            XCTAssertNil(RandomGenerator(stateText: bad), bad)
        }
        XCTAssertEqual(argmax([3, 9, 9, -1], count: 4), 1, "the first of equal maxima")
    }
}

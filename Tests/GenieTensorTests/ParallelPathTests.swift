import Foundation
import XCTest
@testable import GenieTensor

/// Operations split large inputs across the cores (`parallelPartitions`); the gradient checks
/// use small inputs and so run the one-part path. These inputs are large enough for the split,
/// and each result is compared with plain loops written here.
final class ParallelPathTests: XCTestCase {
    /// Seeds the backward with fixed random weights and returns them.
    func backward(_ y: Tensor, seed: UInt64) -> [Float] {
        var g = RandomGenerator(seed: seed)
        let weights = (0..<y.count).map { _ in g.nextNormal() }
        y.backward(seed: weights)
        return weights
    }

    func assertClose(_ a: [Float], _ b: [Double], _ tolerance: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        var worst: Float = 0
        for i in 0..<min(a.count, b.count) { worst = max(worst, abs(a[i] - Float(b[i])) / max(1, abs(Float(b[i])))) }
        XCTAssertLessThan(worst, tolerance, "\(what): largest error \(worst)", file: file, line: line)
    }

    func testLayerNormBackwardSumsGainAndBiasOverAllParts() {
        let (rows, c) = (8192, 16)
        XCTAssertGreaterThan(partitionCount(rows, work: rows * c * 10), Parallelism.workers > 1 ? 1 : 0)
        let x = randomTensor([rows, c], seed: 1, std: 2), gain = randomTensor([c], seed: 2), bias = randomTensor([c], seed: 3)
        let y = layerNorm(x, gain: gain, bias: bias)
        let dy = backward(y, seed: 4)
        var dx = [Double](repeating: 0, count: rows * c), dgain = [Double](repeating: 0, count: c), dbias = dgain
        for r in 0..<rows {
            let row = (0..<c).map { Double(x.data[r * c + $0]) }
            let mean = row.reduce(0, +) / Double(c)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(c)
            let rstd = 1 / (variance + 1e-5).squareRoot()
            let xhat = row.map { ($0 - mean) * rstd }
            let dxhat = (0..<c).map { Double(dy[r * c + $0]) * Double(gain.data[$0]) }
            let meanDxhat = dxhat.reduce(0, +) / Double(c)
            let meanDxhatXhat = zip(dxhat, xhat).map(*).reduce(0, +) / Double(c)
            for j in 0..<c {
                dgain[j] += Double(dy[r * c + j]) * xhat[j]
                dbias[j] += Double(dy[r * c + j])
                dx[r * c + j] = (dxhat[j] - meanDxhat - xhat[j] * meanDxhatXhat) * rstd
            }
        }
        assertClose(x.gradientArray!, dx, 1e-4, "dx")
        assertClose(gain.gradientArray!, dgain, 1e-4, "dgain")
        assertClose(bias.gradientArray!, dbias, 1e-4, "dbias")
    }

    func testBroadcastAddSplitsBlocksAtAnyPosition() {
        // b broadcasts over the S axis: blocks of C values, input offsets that jump per (B, T).
        let (b, t, s, c) = (3, 7, 64, 800)
        XCTAssertGreaterThan(partitionCount(b * t * s, work: b * t * s * c), Parallelism.workers > 1 ? 1 : 0)
        let a = randomTensor([b, t, s, c], seed: 5), e = randomTensor([b, t, 1, c], seed: 6)
        let y = add(a, e)
        var expected = [Double](repeating: 0, count: a.count)
        for bi in 0..<b { for ti in 0..<t { for si in 0..<s { for ci in 0..<c {
            let o = ((bi * t + ti) * s + si) * c + ci
            expected[o] = Double(a.data[o]) + Double(e.data[(bi * t + ti) * c + ci])
        } } } }
        assertClose(y.array, expected, 1e-6, "forward")
        let dy = backward(y, seed: 7)
        var de = [Double](repeating: 0, count: e.count)
        for bi in 0..<b { for ti in 0..<t { for si in 0..<s { for ci in 0..<c {
            de[(bi * t + ti) * c + ci] += Double(dy[((bi * t + ti) * s + si) * c + ci])
        } } } }
        assertClose(a.gradientArray!, dy.map(Double.init), 1e-6, "da")
        assertClose(e.gradientArray!, de, 1e-4, "db")
        // Same shapes: the elementwise path.
        let p = randomTensor([1200, 1000], seed: 8), q = randomTensor([1200, 1000], seed: 9)
        let z = add(p, q)
        assertClose(z.array, (0..<p.count).map { Double(p.data[$0]) + Double(q.data[$0]) }, 1e-6, "same-shape forward")
        let dz = backward(z, seed: 10)
        assertClose(q.gradientArray!, dz.map(Double.init), 1e-6, "same-shape db")
    }

    func testMaskedCrossEntropyOverManyRows() {
        let (n, v) = (600, 1024)
        XCTAssertGreaterThan(partitionCount(n, work: n * v * 2), Parallelism.workers > 1 ? 1 : 0)
        let logits = randomTensor([n, v], seed: 11, std: 3)
        var g = RandomGenerator(seed: 12)
        let targets = (0..<n).map { _ in Int32(g.nextInt(v)) }
        let mask = (0..<n).map { _ in g.nextFloat() < 0.7 }
        let loss = crossEntropy(logits, targets: targets, mask: mask)
        var total = 0.0, counted = 0
        var expectedGradient = [Double](repeating: 0, count: n * v)
        let rowsCounted = mask.filter { $0 }.count
        for r in 0..<n where mask[r] {
            let row = (0..<v).map { Double(logits.data[r * v + $0]) }
            let m = row.max()!
            let sum = row.map { Foundation.exp($0 - m) }.reduce(0, +)
            total += m + Foundation.log(sum) - row[Int(targets[r])]
            counted += 1
            for j in 0..<v { expectedGradient[r * v + j] = Foundation.exp(row[j] - m) / sum / Double(rowsCounted) }
            expectedGradient[r * v + Int(targets[r])] -= 1 / Double(rowsCounted)
        }
        XCTAssertEqual(Double(loss.item), total / Double(counted), accuracy: 1e-4)
        loss.backward()
        assertClose(logits.gradientArray!, expectedGradient, 1e-6, "dlogits")
    }

    func testRotaryRotatesEveryTokenByItsOwnPosition() {
        let (b, t, s, c, heads) = (2, 16, 64, 192, 2)
        XCTAssertGreaterThan(partitionCount(b * t * s, work: b * t * s * c * 3), Parallelism.workers > 1 ? 1 : 0)
        let x = randomTensor([b, t, s, c], seed: 13)
        let offset = 5
        let y = rotaryEmbedding(x, heads: heads, axis: .temporal, offset: offset)
        let d = c / heads, half = d / 2
        var expected = [Double](repeating: 0, count: x.count)
        for token in 0..<(b * t * s) {
            let position = Double((token / s) % t + offset)
            for h in 0..<heads {
                for i in 0..<half {
                    let angle = position * Foundation.pow(10_000, -2 * Double(i) / Double(d))
                    let o = token * c + h * d
                    let x1 = Double(x.data[o + i]), x2 = Double(x.data[o + i + half])
                    expected[o + i] = x1 * Foundation.cos(angle) - x2 * Foundation.sin(angle)
                    expected[o + i + half] = x1 * Foundation.sin(angle) + x2 * Foundation.cos(angle)
                }
            }
        }
        assertClose(y.array, expected, 1e-5, "forward")
        // A rotation's gradient is the inverse rotation of the output gradient: rotating the
        // input gradient forward again gives back the output gradient.
        let dy = backward(y, seed: 14)
        let dx = Tensor(x.gradientArray!, shape: x.shape)
        let back = withoutGradient { rotaryEmbedding(dx, heads: heads, axis: .temporal, offset: offset) }
        assertClose(back.array, dy.map(Double.init), 1e-5, "backward")
    }
}

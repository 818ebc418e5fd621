import Foundation

/// LayerNorm over the last axis: y = (x − mean) / sqrt(var + eps) · gain + bias.
/// Forward saves each row's mean and reciprocal standard deviation for the backward.
public func layerNorm(_ x: Tensor, gain: Tensor, bias: Tensor, epsilon: Float = 1e-5) -> Tensor {
    let c = x.shape.last!
    precondition(gain.shape == [c] && bias.shape == [c], "layerNorm: gain and bias must be [\(c)]")
    let rows = x.count / c
    let mean = Storage(count: rows, zeroed: false), rstd = Storage(count: rows, zeroed: false)
    let y = Tensor.result(x.shape, "layerNorm", inputs: [x, gain, bias], zeroed: false) { y in
        let dy = y.grad!.pointer, px = x.data, g = gain.data
        let dx: UnsafeMutablePointer<Float>? = x.tracksGradient ? x.gradientBuffer() : nil
        let dgain: UnsafeMutablePointer<Float>? = gain.tracksGradient ? gain.gradientBuffer() : nil
        let dbias: UnsafeMutablePointer<Float>? = bias.tracksGradient ? bias.gradientBuffer() : nil
        // Rows split across the cores; each part sums its own gain and bias gradients.
        let parts = partitionCount(rows, work: x.count * 10)
        let partials = Storage(count: parts * 2 * c)
        parallelPartitions(rows, work: x.count * 10) { part, range in
            let partGain = partials.pointer + part * 2 * c, partBias = partGain + c
            for r in range {
                let xr = px + r * c, dyr = dy + r * c
                let m = mean.pointer[r], s = rstd.pointer[r]
                // Two reductions of the standard formula (llm.c's layernorm_backward).
                var meanDyg: Float = 0, meanDygXhat: Float = 0
                for j in 0..<c {
                    let xhat = (xr[j] - m) * s
                    let dyg = dyr[j] * g[j]
                    meanDyg += dyg
                    meanDygXhat += dyg * xhat
                    partGain[j] += dyr[j] * xhat
                    partBias[j] += dyr[j]
                }
                meanDyg /= Float(c); meanDygXhat /= Float(c)
                if let dx {
                    let dxr = dx + r * c
                    for j in 0..<c {
                        let xhat = (xr[j] - m) * s
                        dxr[j] += (dyr[j] * g[j] - meanDyg - xhat * meanDygXhat) * s
                    }
                }
            }
        }
        for part in 0..<parts {
            let partGain = partials.pointer + part * 2 * c, partBias = partGain + c
            if let dgain { for j in 0..<c { dgain[j] += partGain[j] } }
            if let dbias { for j in 0..<c { dbias[j] += partBias[j] } }
        }
    }
    let px = x.data, py = y.data, g = gain.data, b = bias.data
    parallelRanges(rows, work: x.count * 6) { range in
        for r in range {
            let xr = px + r * c, yr = py + r * c
            // Both reductions in 16 lanes: a strict scalar sum would not vectorise, and at play's
            // 64-row shapes these rows are a tenth of a frame.
            let m = sumOf(xr, c) / Float(c)
            let v = squaredDeviationsOf(xr, c, from: m) / Float(c)
            let s = 1 / (v + epsilon).squareRoot()
            mean.pointer[r] = m; rstd.pointer[r] = s
            for j in 0..<c { yr[j] = (xr[j] - m) * s * g[j] + b[j] }
        }
    }
    return y
}

/// Numerically stable softmax of one row of `n` values (input and output may alias).
/// Returns log Σ exp(x), from which a cross-entropy follows without a second pass.
@inline(__always) @discardableResult
func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    let mx = maximumOf(x, n)
    // Work in place in y: a loop over one pointer vectorises, where an x-to-y loop would
    // fall back to scalar code whenever x and y alias (as attention's in-place rows do).
    if UnsafePointer(y) != x { y.update(from: x, count: n) }
    for j in 0..<n { y[j] = fastExp(y[j] - mx) }
    let s = sumOf(y, n)
    let inv = 1 / s
    for j in 0..<n { y[j] *= inv }
    return mx + Foundation.log(s)
}

/// Softmax backward of one row, in place: from the row's probabilities p and the gradient d
/// of its outputs, d becomes the gradient of its inputs, p ⊙ (d − ⟨p, d⟩).
@inline(__always)
func softmaxBackwardRow(_ p: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int) {
    let dot = dotOf(p, d, n)
    for j in 0..<n { d[j] = p[j] * (d[j] - dot) }
}

/// Σ p[0..<n], accumulated in 16 lanes (LLVM does not vectorise a strict float sum itself).
@inline(__always)
func sumOf(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var lanes = SIMD16<Float>()
    var j = 0
    while j + 16 <= n { lanes += UnsafeRawPointer(p + j).loadUnaligned(as: SIMD16<Float>.self); j += 16 }
    var s = lanes.sum()
    while j < n { s += p[j]; j += 1 }
    return s
}

/// Σ (p[i] − m)² over 0..<n, in 16 lanes.
@inline(__always)
func squaredDeviationsOf(_ p: UnsafePointer<Float>, _ n: Int, from m: Float) -> Float {
    var lanes = SIMD16<Float>()
    let mean = SIMD16<Float>(repeating: m)
    var j = 0
    while j + 16 <= n {
        let d = UnsafeRawPointer(p + j).loadUnaligned(as: SIMD16<Float>.self) - mean
        lanes += d * d
        j += 16
    }
    var s = lanes.sum()
    while j < n { let d = p[j] - m; s += d * d; j += 1 }
    return s
}

/// Softmax of one row of `n` values scaled by `scale` (1/temperature), in place: the
/// vectorised exp of the attention rows, for callers outside the engine (MaskGIT sampling).
public func softmaxInPlace(_ row: UnsafeMutablePointer<Float>, count n: Int, scale: Float = 1) {
    if scale != 1 { for j in 0..<n { row[j] *= scale } }
    softmaxRow(row, row, n)
}

/// Σ a[i]·b[i] over 0..<n, in 16 lanes.
@inline(__always)
func dotOf(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var lanes = SIMD16<Float>()
    var j = 0
    while j + 16 <= n {
        lanes += UnsafeRawPointer(a + j).loadUnaligned(as: SIMD16<Float>.self) * UnsafeRawPointer(b + j).loadUnaligned(as: SIMD16<Float>.self)
        j += 16
    }
    var s = lanes.sum()
    while j < n { s += a[j] * b[j]; j += 1 }
    return s
}

/// max p[0..<n] (−∞ for n = 0), in 16 lanes.
@inline(__always)
func maximumOf(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var lanes = SIMD16<Float>(repeating: -.infinity)
    var j = 0
    while j + 16 <= n {
        // A compare and a blend; the library's pointwiseMax goes lane by lane through memory.
        let v = UnsafeRawPointer(p + j).loadUnaligned(as: SIMD16<Float>.self)
        lanes.replace(with: v, where: v .> lanes)
        j += 16
    }
    var m = lanes.max()
    while j < n { m = max(m, p[j]); j += 1 }
    return m
}

/// Scales each row (last axis) to unit L2 norm: y = x / max(‖x‖, ε). Used by the cosine
/// vector quantiser, whose codes then all live on the unit sphere.
public func l2Normalize(_ x: Tensor, epsilon: Float = 1e-6) -> Tensor {
    let c = x.shape.last!
    let rows = x.count / c
    let norms = Storage(count: rows, zeroed: false)
    let y = Tensor.result(x.shape, "l2Normalize", inputs: [x], zeroed: false) { y in
        // dx = (dy − y·(y·dy)) / ‖x‖
        let dy = y.grad!.pointer, py = y.data, dx = x.gradientBuffer()
        for r in 0..<rows {
            let o = r * c
            let dot = dotOf(py + o, dy + o, c)
            let inv = 1 / norms.pointer[r]
            for j in 0..<c { dx[o + j] += (dy[o + j] - py[o + j] * dot) * inv }
        }
    }
    for r in 0..<rows {
        let o = r * c
        var s: Float = 0
        for j in 0..<c { s += x.data[o + j] * x.data[o + j] }
        let n = max(s.squareRoot(), epsilon)
        norms.pointer[r] = n
        for j in 0..<c { y.data[o + j] = x.data[o + j] / n }
    }
    return y
}

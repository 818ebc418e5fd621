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
        for r in 0..<rows {
            let xr = px + r * c, dyr = dy + r * c
            let m = mean.pointer[r], s = rstd.pointer[r]
            // Two reductions of the standard formula (llm.c's layernorm_backward).
            var meanDyg: Float = 0, meanDygXhat: Float = 0
            for j in 0..<c {
                let xhat = (xr[j] - m) * s
                let dyg = dyr[j] * g[j]
                meanDyg += dyg
                meanDygXhat += dyg * xhat
                if let dgain { dgain[j] += dyr[j] * xhat }
                if let dbias { dbias[j] += dyr[j] }
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
    let px = x.data, py = y.data, g = gain.data, b = bias.data
    parallelRanges(rows, work: x.count * 6) { range in
        for r in range {
            let xr = px + r * c, yr = py + r * c
            var m: Float = 0
            for j in 0..<c { m += xr[j] }
            m /= Float(c)
            var v: Float = 0
            for j in 0..<c { let d = xr[j] - m; v += d * d }
            v /= Float(c)
            let s = 1 / (v + epsilon).squareRoot()
            mean.pointer[r] = m; rstd.pointer[r] = s
            for j in 0..<c { yr[j] = (xr[j] - m) * s * g[j] + b[j] }
        }
    }
    return y
}

/// Softmax over the last axis.
public func softmax(_ x: Tensor) -> Tensor {
    let c = x.shape.last!
    let rows = x.count / c
    let y = Tensor.result(x.shape, "softmax", inputs: [x], zeroed: false) { y in
        let dy = y.grad!.pointer, py = y.data, dx = x.gradientBuffer()
        for r in 0..<rows {
            let yr = py + r * c, dyr = dy + r * c, dxr = dx + r * c
            var dot: Float = 0
            for j in 0..<c { dot += yr[j] * dyr[j] }
            for j in 0..<c { dxr[j] += yr[j] * (dyr[j] - dot) }
        }
    }
    for r in 0..<rows { softmaxRow(x.data + r * c, y.data + r * c, c) }
    return y
}

/// Numerically stable softmax of one row of `n` values (input and output may alias).
@inline(__always)
func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    var mx = -Float.infinity
    for j in 0..<n { mx = max(mx, x[j]) }
    var s: Float = 0
    for j in 0..<n { let e = expf(x[j] - mx); y[j] = e; s += e }
    let inv = 1 / s
    for j in 0..<n { y[j] *= inv }
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
            var dot: Float = 0
            for j in 0..<c { dot += py[o + j] * dy[o + j] }
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

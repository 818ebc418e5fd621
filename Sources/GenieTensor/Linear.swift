/// Matrix products through cblas_sgemm: the affine layer.

/// y = x · W + b over the last axis: x [..., in], weight [in, out], bias [out] → [..., out].
/// All leading axes fold into the row count of one GEMM. With a `residual` (shaped as y),
/// y = residual + x · W + b: the residual stream's addition rides on the GEMM (β = 1)
/// instead of costing a pass of its own.
public func linear(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, residual: Tensor? = nil) -> Tensor {
    precondition(weight.rank == 2, "linear weight must be [in, out], got \(weight.shape)")
    let inFeatures = weight.shape[0], outFeatures = weight.shape[1]
    precondition(x.shape.last == inFeatures, "linear: input \(x.shape) does not end in \(inFeatures)")
    if let bias { precondition(bias.shape == [outFeatures], "linear bias must be [\(outFeatures)]") }
    let rows = x.count / inFeatures
    var outShape = x.shape
    outShape[outShape.count - 1] = outFeatures
    if let residual { precondition(residual.shape == outShape, "linear: residual \(residual.shape) is not the output's \(outShape)") }
    let inputs = [x, weight] + (bias.map { [$0] } ?? []) + (residual.map { [$0] } ?? [])
    let y = Tensor.result(outShape, "linear", inputs: inputs, zeroed: false) { y in
        let dy = y.grad!.pointer
        if x.tracksGradient {
            // dx += dy · Wᵀ
            let dx = x.gradientForGemm()
            gemm(transposeA: false, transposeB: true, m: rows, n: inFeatures, k: outFeatures,
                 a: dy, lda: outFeatures, b: weight.data, ldb: outFeatures,
                 beta: dx.beta, c: dx.pointer, ldc: inFeatures)
        }
        if weight.tracksGradient {
            // dW += xᵀ · dy
            let dw = weight.gradientForGemm()
            gemm(transposeA: true, transposeB: false, m: inFeatures, n: outFeatures, k: rows,
                 a: x.data, lda: inFeatures, b: dy, ldb: outFeatures,
                 beta: dw.beta, c: dw.pointer, ldc: outFeatures)
        }
        if let bias, bias.tracksGradient {
            // db += dyᵀ · 1: a matrix-vector product, so OpenBLAS spreads it over the cores.
            let ones = Storage(count: rows, zeroed: false)
            ones.pointer.update(repeating: 1, count: rows)
            gemv(transpose: true, m: rows, n: outFeatures, a: dy, lda: outFeatures,
                 x: ones.pointer, beta: 1, y: bias.gradientBuffer())
        }
        if let residual, residual.tracksGradient {
            accumulate(dy, into: residual.gradientBuffer(), count: residual.count)
        }
    }
    let out = y.data
    // C starts as the residual and/or the bias rows; the GEMM then adds x · W (β = 1).
    switch (bias, residual) {
    case let (bias?, residual?):
        let r = residual.data
        parallelRanges(rows, work: rows * outFeatures) { range in
            for row in range {
                let o = out + row * outFeatures, ri = r + row * outFeatures
                for j in 0..<outFeatures { o[j] = ri[j] + bias.data[j] }
            }
        }
    case let (bias?, nil):
        parallelRanges(rows, work: rows * outFeatures) { range in
            for row in range { (out + row * outFeatures).update(from: bias.data, count: outFeatures) }
        }
    case let (nil, residual?):
        out.update(from: residual.data, count: residual.count)
    case (nil, nil):
        break
    }
    gemm(transposeA: false, transposeB: false, m: rows, n: outFeatures, k: inFeatures,
         a: x.data, lda: inFeatures, b: weight.data, ldb: outFeatures,
         beta: bias == nil && residual == nil ? 0 : 1, c: out, ldc: outFeatures)
    return y
}


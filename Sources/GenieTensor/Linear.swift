/// Matrix products through cblas_sgemm: the affine layer.

/// y = x · W + b over the last axis: x [..., in], weight [in, out], bias [out] → [..., out].
/// All leading axes fold into the row count of one GEMM.
public func linear(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil) -> Tensor {
    precondition(weight.rank == 2, "linear weight must be [in, out], got \(weight.shape)")
    let inFeatures = weight.shape[0], outFeatures = weight.shape[1]
    precondition(x.shape.last == inFeatures, "linear: input \(x.shape) does not end in \(inFeatures)")
    if let bias { precondition(bias.shape == [outFeatures], "linear bias must be [\(outFeatures)]") }
    let rows = x.count / inFeatures
    var outShape = x.shape
    outShape[outShape.count - 1] = outFeatures
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
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
    }
    let out = y.data
    if let bias {
        // C starts as the bias rows; the GEMM then adds x · W (β = 1).
        parallelRanges(rows, work: rows * outFeatures) { range in
            for r in range { (out + r * outFeatures).update(from: bias.data, count: outFeatures) }
        }
    }
    gemm(transposeA: false, transposeB: false, m: rows, n: outFeatures, k: inFeatures,
         a: x.data, lda: inFeatures, b: weight.data, ldb: outFeatures,
         beta: bias == nil ? 0 : 1, c: out, ldc: outFeatures)
    return y
}


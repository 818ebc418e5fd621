/// Matrix products through cblas_sgemm: the affine layer and a batched matmul.

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

/// Batched matrix product: a [B, M, K] · b [B, K, N] → [B, M, N] (rank-2 inputs are a batch of
/// one). `transposeA` reads a as [B, K, M]; `transposeB` reads b as [B, N, K]; no copies.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(a.rank == b.rank && (a.rank == 2 || a.rank == 3), "matmul takes two rank-2 or two rank-3 tensors")
    let batched = a.rank == 3
    let batch = batched ? a.shape[0] : 1
    precondition(!batched || b.shape[0] == batch, "matmul batch sizes differ: \(a.shape) \(b.shape)")
    let ar = a.shape[a.rank - 2], ac = a.shape[a.rank - 1]
    let br = b.shape[b.rank - 2], bc = b.shape[b.rank - 1]
    let m = transposeA ? ac : ar, k = transposeA ? ar : ac
    let kb = transposeB ? bc : br, n = transposeB ? br : bc
    precondition(k == kb, "matmul inner sizes differ: \(a.shape) \(b.shape)")
    let outShape = batched ? [batch, m, n] : [m, n]
    let y = Tensor.result(outShape, "matmul", inputs: [a, b], zeroed: false) { y in
        let dy = y.grad!.pointer
        for i in 0..<batch {
            let dyi = dy + i * m * n
            let ai = a.data + i * ar * ac, bi = b.data + i * br * bc
            if a.tracksGradient {
                let da = a.gradientBuffer() + i * ar * ac
                if transposeA {  // a holds Aᵀ: dAᵀ = op(B) · dYᵀ
                    gemm(transposeA: transposeB, transposeB: true, m: k, n: m, k: n,
                         a: bi, lda: bc, b: dyi, ldb: n, beta: 1, c: da, ldc: ac)
                } else {          // dA = dY · op(B)ᵀ
                    gemm(transposeA: false, transposeB: !transposeB, m: m, n: k, k: n,
                         a: dyi, lda: n, b: bi, ldb: bc, beta: 1, c: da, ldc: ac)
                }
            }
            if b.tracksGradient {
                let db = b.gradientBuffer() + i * br * bc
                if transposeB {  // b holds Bᵀ: dBᵀ = dYᵀ · op(A)
                    gemm(transposeA: true, transposeB: transposeA, m: n, n: k, k: m,
                         a: dyi, lda: n, b: ai, ldb: ac, beta: 1, c: db, ldc: bc)
                } else {          // dB = op(A)ᵀ · dY
                    gemm(transposeA: !transposeA, transposeB: false, m: k, n: n, k: m,
                         a: ai, lda: ac, b: dyi, ldb: n, beta: 1, c: db, ldc: bc)
                }
            }
        }
    }
    for i in 0..<batch {
        gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
             a: a.data + i * ar * ac, lda: ac, b: b.data + i * br * bc, ldb: bc,
             c: y.data + i * m * n, ldc: n)
    }
    return y
}

import Foundation

/// Which axis of a `[B, T, S, C]` token grid (batch, time, space, channels) attention runs
/// along. Spatial: the S tokens of one frame attend to each other. Temporal: the T tokens at
/// one spatial position attend to each other, across frames.
public enum AttentionAxis: String, Sendable, Codable {
    case spatial, temporal
}

/// Where the sequences of one tensor lie in memory: sequence `n`, element `i`, head `h`
/// starts at `base(n) + i * rowStride + h * headDim`. Both axes are plain strides, so every
/// head's Q, K and V are handed to sgemm in place, without copies.
struct SequenceLayout {
    let count: Int       // number of sequences
    let length: Int      // elements per sequence
    let rowStride: Int   // floats between consecutive elements
    let batchStride: Int // floats between batch entries (temporal axis)
    let perBatch: Int    // sequences per batch entry (S for temporal axis)
    let channels: Int

    init(_ shape: [Int], axis: AttentionAxis) {
        precondition(shape.count == 4, "attention expects [B, T, S, C], got \(shape)")
        let (b, t, s, c) = (shape[0], shape[1], shape[2], shape[3])
        channels = c
        switch axis {
        case .spatial:
            count = b * t; length = s; rowStride = c; batchStride = s * c; perBatch = 1
        case .temporal:
            count = b * s; length = t; rowStride = s * c; batchStride = t * s * c; perBatch = s
        }
    }

    @inline(__always) func base(_ n: Int) -> Int {
        perBatch == 1 ? n * batchStride : (n / perBatch) * batchStride + (n % perBatch) * channels
    }
}

/// Multi-head scaled-dot-product attention along one axis of a `[B, T, S, C]` grid.
///
/// q is `[B, Tq, S, C]`, k and v are `[B, Tk, S, C]` (Tq == Tk for spatial attention; for
/// temporal attention keys may extend further into the past, as a KV cache does). With
/// `causal`, query i attends to keys j ≤ i + (Lk − Lq): the last query sees every key.
/// Forward keeps the attention probabilities for the backward.
public func attention(query q: Tensor, key k: Tensor, value v: Tensor,
                      heads: Int, axis: AttentionAxis, causal: Bool) -> Tensor {
    precondition(k.shape == v.shape, "attention: key \(k.shape) and value \(v.shape) differ")
    precondition(q.rank == 4 && k.rank == 4 && q.shape[0] == k.shape[0] && q.shape[2] == k.shape[2] && q.shape[3] == k.shape[3],
                 "attention: query \(q.shape) and key \(k.shape) do not match")
    precondition(axis == .temporal || q.shape[1] == k.shape[1], "spatial attention needs equal T")
    let channels = q.shape[3]
    precondition(channels % heads == 0, "\(channels) channels do not split into \(heads) heads")
    let headDim = channels / heads
    let ql = SequenceLayout(q.shape, axis: axis), kl = SequenceLayout(k.shape, axis: axis)
    let lq = ql.length, lk = kl.length
    let scaleFactor = 1 / Float(headDim).squareRoot()
    let tasks = ql.count * heads
    let keepProbabilities = Tensor.gradientEnabled && (q.tracksGradient || k.tracksGradient || v.tracksGradient)
    let probabilities = Storage(count: keepProbabilities ? tasks * lq * lk : 0, zeroed: false)
    let shift = lk - lq

    let out = Tensor.result(q.shape, "attention.\(axis.rawValue)", inputs: [q, k, v], zeroed: false) { out in
        let dOut = out.grad!.pointer
        let dq = q.tracksGradient ? q.gradientBuffer() : nil
        let dk = k.tracksGradient ? k.gradientBuffer() : nil
        let dv = v.tracksGradient ? v.gradientBuffer() : nil
        parallelRanges(tasks, work: tasks * lq * lk * headDim * 4, callsBLAS: true) { range in
            let dP = UnsafeMutablePointer<Float>.allocate(capacity: lq * lk)
            defer { dP.deallocate() }
            for task in range {
                let n = task / heads, h = task % heads
                let qo = ql.base(n) + h * headDim, ko = kl.base(n) + h * headDim
                let p = probabilities.pointer + task * lq * lk
                // dP = dO · Vᵀ
                gemm(transposeA: false, transposeB: true, m: lq, n: lk, k: headDim,
                     a: dOut + qo, lda: ql.rowStride, b: v.data + ko, ldb: kl.rowStride,
                     c: dP, ldc: lk)
                // dV += Pᵀ · dO
                if let dv {
                    gemm(transposeA: true, transposeB: false, m: lk, n: headDim, k: lq,
                         a: p, lda: lk, b: dOut + qo, ldb: ql.rowStride,
                         beta: 1, c: dv + ko, ldc: kl.rowStride)
                }
                // dS = P ⊙ (dP − rowsum(dP ⊙ P))   (softmax backward, in place in dP)
                for i in 0..<lq { softmaxBackwardRow(p + i * lk, dP + i * lk, lk) }
                // dQ += scale · dS · K ;  dK += scale · dSᵀ · Q
                if let dq {
                    gemm(transposeA: false, transposeB: false, m: lq, n: headDim, k: lk,
                         alpha: scaleFactor, a: dP, lda: lk, b: k.data + ko, ldb: kl.rowStride,
                         beta: 1, c: dq + qo, ldc: ql.rowStride)
                }
                if let dk {
                    gemm(transposeA: true, transposeB: false, m: lk, n: headDim, k: lq,
                         alpha: scaleFactor, a: dP, lda: lk, b: q.data + qo, ldb: ql.rowStride,
                         beta: 1, c: dk + ko, ldc: kl.rowStride)
                }
            }
        }
    }

    let pq = q.data, pk = k.data, pv = v.data, po = out.data
    // Few keys (temporal attention over a window of frames): an sgemm call per sequence and
    // head costs more than its work, so the scores and the weighted sum run as plain loops.
    let fewKeys = lk <= 32
    parallelRanges(tasks, work: tasks * lq * lk * headDim * 2, callsBLAS: !fewKeys) { range in
        let scratch = keepProbabilities ? nil : UnsafeMutablePointer<Float>.allocate(capacity: lq * lk)
        defer { scratch?.deallocate() }
        for task in range {
            let n = task / heads, h = task % heads
            let qo = ql.base(n) + h * headDim, ko = kl.base(n) + h * headDim
            let p = scratch ?? probabilities.pointer + task * lq * lk
            if fewKeys {
                for i in 0..<lq {
                    let row = p + i * lk, qi = pq + qo + i * ql.rowStride, oi = po + qo + i * ql.rowStride
                    let visible = causal ? min(lk, i + shift + 1) : lk
                    for j in 0..<visible { row[j] = scaleFactor * dotOf(qi, pk + ko + j * kl.rowStride, headDim) }
                    softmaxRow(row, row, visible)
                    for j in visible..<lk { row[j] = 0 }
                    oi.update(repeating: 0, count: headDim)
                    for j in 0..<visible {
                        let w = row[j], vj = pv + ko + j * kl.rowStride
                        for d in 0..<headDim { oi[d] += w * vj[d] }
                    }
                }
                continue
            }
            // S = scale · Q · Kᵀ
            gemm(transposeA: false, transposeB: true, m: lq, n: lk, k: headDim,
                 alpha: scaleFactor, a: pq + qo, lda: ql.rowStride, b: pk + ko, ldb: kl.rowStride,
                 c: p, ldc: lk)
            for i in 0..<lq {
                let row = p + i * lk
                let visible = causal ? min(lk, i + shift + 1) : lk
                softmaxRow(row, row, visible)
                for j in visible..<lk { row[j] = 0 }
            }
            // O = P · V
            gemm(transposeA: false, transposeB: false, m: lq, n: headDim, k: lk,
                 a: p, lda: lk, b: pv + ko, ldb: kl.rowStride, c: po + qo, ldc: ql.rowStride)
        }
    }
    return out
}

/// Rotary position embedding along one axis of a `[B, T, S, C]` grid, per head: channel
/// pairs (i, i + D/2) of each head are rotated by angle position · base^(−2i/D). Because
/// q·k then depends only on the difference of positions, a key cached at one position stays
/// valid however far the window has slid. `offset` is the position of the first element.
public func rotaryEmbedding(_ x: Tensor, heads: Int, axis: AttentionAxis, offset: Int = 0, base: Double = 10_000) -> Tensor {
    precondition(x.rank == 4, "rotaryEmbedding expects [B, T, S, C]")
    let (b, t, s, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let headDim = c / heads
    precondition(headDim * heads == c && headDim % 2 == 0, "rotary needs an even head size")
    let half = headDim / 2
    let positions = axis == .temporal ? t : s
    // cos/sin table [positions, half], computed in double so large offsets stay accurate.
    var cosTable = [Float](repeating: 0, count: positions * half), sinTable = cosTable
    for p in 0..<positions {
        for i in 0..<half {
            let angle = Double(p + offset) * Foundation.pow(base, -2 * Double(i) / Double(headDim))
            cosTable[p * half + i] = Float(Foundation.cos(angle))
            sinTable[p * half + i] = Float(Foundation.sin(angle))
        }
    }
    // Rotates every head of every token by its position; inverse = rotate by −angle.
    // `accumulate` adds into dst (the backward); otherwise dst is overwritten.
    func rotate(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, inverse: Bool, accumulate: Bool) {
        let sign: Float = inverse ? -1 : 1
        let tokens = b * t * s
        cosTable.withUnsafeBufferPointer { cosTable in
            sinTable.withUnsafeBufferPointer { sinTable in
                parallelRanges(tokens, work: tokens * c * 3) { range in
                    for token in range {
                        let p = axis == .temporal ? (token / s) % t : token % s
                        let cs = cosTable.baseAddress! + p * half, sn = sinTable.baseAddress! + p * half
                        for h in 0..<heads {
                            let o = token * c + h * headDim
                            for i in 0..<half {
                                let x1 = src[o + i], x2 = src[o + i + half], si = sign * sn[i]
                                let y1 = x1 * cs[i] - x2 * si, y2 = x1 * si + x2 * cs[i]
                                if accumulate {
                                    dst[o + i] += y1; dst[o + i + half] += y2
                                } else {
                                    dst[o + i] = y1; dst[o + i + half] = y2
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    let y = Tensor.result(x.shape, "rotary.\(axis.rawValue)", inputs: [x], zeroed: false) { y in
        rotate(y.grad!.pointer, x.gradientBuffer(), inverse: true, accumulate: true)
    }
    rotate(x.data, y.data, inverse: false, accumulate: false)
    return y
}

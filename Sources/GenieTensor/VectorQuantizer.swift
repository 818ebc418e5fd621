import Foundation

/// The result of vector quantisation.
public struct Quantized {
    /// The chosen code vectors, with a straight-through gradient to the input.
    public let vectors: Tensor
    /// codebook loss + β · commitment loss (one element).
    public let loss: Tensor
    /// Index of the chosen code for each input row.
    public let indices: [Int32]
    /// Squared distance of each row to its code (for dead-code restarts and monitoring).
    public let distances: [Float]

    public init(vectors: Tensor, loss: Tensor, indices: [Int32], distances: [Float]) {
        self.vectors = vectors; self.loss = loss; self.indices = indices; self.distances = distances
    }
}

/// Nearest-code indices of rows `z` [N, D] in `codebook` [K, D], using
/// |z − c|² = |z|² − 2 z·c + |c|² with the z·c products from one GEMM.
public func nearestCodes(_ z: UnsafePointer<Float>, rows n: Int, codebook: UnsafePointer<Float>, codes k: Int, dimension d: Int) -> (indices: [Int32], distances: [Float]) {
    let dots = UnsafeMutablePointer<Float>.allocate(capacity: n * k)
    defer { dots.deallocate() }
    gemm(transposeA: false, transposeB: true, m: n, n: k, k: d, a: z, lda: d, b: codebook, ldb: d, c: dots, ldc: k)
    var codeNorms = [Float](repeating: 0, count: k)
    for j in 0..<k {
        var s: Float = 0
        for i in 0..<d { s += codebook[j * d + i] * codebook[j * d + i] }
        codeNorms[j] = s
    }
    var indices = [Int32](repeating: 0, count: n), distances = [Float](repeating: 0, count: n)
    for r in 0..<n {
        var zn: Float = 0
        for i in 0..<d { zn += z[r * d + i] * z[r * d + i] }
        var best = Float.infinity, bestIndex = 0
        let row = dots + r * k
        for j in 0..<k {
            let dist = codeNorms[j] - 2 * row[j]
            if dist < best { best = dist; bestIndex = j }
        }
        indices[r] = Int32(bestIndex)
        distances[r] = max(best + zn, 0)
    }
    return (indices, distances)
}

/// VQ-VAE quantisation of rows of `z` [..., D] against `codebook` [K, D].
///
/// Forward: each row becomes its nearest code. Backward: the straight-through estimator
/// passes the output gradient to z unchanged; the loss
/// ‖sg(z) − q‖² (moves codes toward encoder outputs) + β‖z − sg(q)‖² (commits the encoder)
/// carries the rest, both as means over elements.
public func vectorQuantize(_ z: Tensor, codebook: Tensor, commitment beta: Float = 0.25) -> Quantized {
    let d = codebook.shape[1], k = codebook.shape[0]
    precondition(z.shape.last == d, "vectorQuantize: input \(z.shape) does not end in code size \(d)")
    let n = z.count / d
    let (indices, distances) = nearestCodes(z.data, rows: n, codebook: codebook.data, codes: k, dimension: d)
    // Straight-through: values of q, gradient of identity.
    let vectors = Tensor.result(z.shape, "vq.straightThrough", inputs: [z], zeroed: false) { y in
        accumulate(y.grad!.pointer, into: z.gradientBuffer(), count: z.count)
    }
    for r in 0..<n { (vectors.data + r * d).update(from: codebook.data + Int(indices[r]) * d, count: d) }

    let loss = Tensor.result([1], "vq.loss", inputs: [z, codebook]) { y in
        let g = y.grad!.pointer[0] * 2 / Float(n * d)
        let dz = z.tracksGradient ? z.gradientBuffer() : nil
        let dc = codebook.tracksGradient ? codebook.gradientBuffer() : nil
        for r in 0..<n {
            let c = Int(indices[r]) * d
            for i in 0..<d {
                let diff = z.data[r * d + i] - codebook.data[c + i]
                dc?[c + i] -= g * diff          // codebook term: d/dq (q − z)²
                dz?[r * d + i] += g * beta * diff // commitment term: d/dz (z − q)²
            }
        }
    }
    var total: Double = 0
    for r in 0..<n {
        let c = Int(indices[r]) * d
        for i in 0..<d { let diff = Double(z.data[r * d + i] - codebook.data[c + i]); total += diff * diff }
    }
    loss.data[0] = Float((1 + Double(beta)) * total / Double(max(n * d, 1)))
    return Quantized(vectors: vectors, loss: loss, indices: indices, distances: distances)
}

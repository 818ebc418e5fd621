/// Reshapes, permutes, slices and concatenation: what patchify / unpatchify and the
/// splitting of token grids need.

/// The same values with another shape (no copy: the storage is shared).
public func reshape(_ x: Tensor, _ shape: [Int]) -> Tensor {
    var shape = shape
    if let unknown = shape.firstIndex(of: -1) {
        let known = shape.enumerated().filter { $0.offset != unknown }.map(\.element).reduce(1, *)
        shape[unknown] = x.count / max(known, 1)
    }
    precondition(shape.reduce(1, *) == x.count, "cannot reshape \(x.shape) to \(shape)")
    return Tensor.result(shape, "reshape", inputs: [x], storage: x.storage) { y in
        accumulate(y.grad!.pointer, into: x.gradientBuffer(), count: x.count)
    }
}

/// Strides of a contiguous row-major tensor.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    for a in stride(from: shape.count - 1, through: 0, by: -1) { strides[a] = s; s *= shape[a] }
    return strides
}

/// Copies `source` (viewed through `sourceStrides` over `shape`) into contiguous `target`,
/// or accumulates into it with `accumulate`. The innermost axis is the hot loop.
func stridedCopy(shape: [Int], source: UnsafePointer<Float>, sourceStrides: [Int],
                 target: UnsafeMutablePointer<Float>, targetStrides: [Int], accumulate: Bool) {
    let rank = shape.count
    let total = shape.reduce(1, *)
    if total == 0 { return }
    let inner = shape[rank - 1], sInner = sourceStrides[rank - 1], tInner = targetStrides[rank - 1]
    let outerCount = total / inner
    var counter = [Int](repeating: 0, count: rank)
    var so = 0, to = 0
    for _ in 0..<outerCount {
        if sInner == 1 && tInner == 1 {
            // Contiguous rows (slices along the last axis, most permutes): a plain copy or
            // a vector add, not a strided loop.
            if accumulate {
                let t = target + to, s = source + so
                for i in 0..<inner { t[i] += s[i] }
            } else {
                (target + to).update(from: source + so, count: inner)
            }
        } else if accumulate {
            for i in 0..<inner { target[to + i * tInner] += source[so + i * sInner] }
        } else {
            for i in 0..<inner { target[to + i * tInner] = source[so + i * sInner] }
        }
        var a = rank - 2
        while a >= 0 {
            counter[a] += 1
            so += sourceStrides[a]; to += targetStrides[a]
            if counter[a] < shape[a] { break }
            so -= sourceStrides[a] * shape[a]; to -= targetStrides[a] * shape[a]
            counter[a] = 0
            a -= 1
        }
    }
}

/// Reorders axes: output axis i is input axis `order[i]` (a copy).
public func permute(_ x: Tensor, _ order: [Int]) -> Tensor {
    precondition(order.sorted() == Array(0..<x.rank), "permute: \(order) is not a permutation of \(x.rank) axes")
    let outShape = order.map { x.shape[$0] }
    let inStrides = contiguousStrides(x.shape)
    let viewStrides = order.map { inStrides[$0] }  // input strides seen in output order
    let outStrides = contiguousStrides(outShape)
    let y = Tensor.result(outShape, "permute", inputs: [x], zeroed: false) { y in
        // Scatter dy back through the same view.
        stridedCopy(shape: outShape, source: y.grad!.pointer, sourceStrides: outStrides,
                    target: x.gradientBuffer(), targetStrides: viewStrides, accumulate: true)
    }
    stridedCopy(shape: outShape, source: x.data, sourceStrides: viewStrides,
                target: y.data, targetStrides: outStrides, accumulate: false)
    return y
}

/// Elements `range` along `axis` (a copy).
public func slice(_ x: Tensor, axis: Int, _ range: Range<Int>) -> Tensor {
    precondition(axis >= 0 && axis < x.rank && range.lowerBound >= 0 && range.upperBound <= x.shape[axis],
                 "slice \(range) out of axis \(axis) of \(x.shape)")
    var outShape = x.shape
    outShape[axis] = range.count
    let strides = contiguousStrides(x.shape)
    let offset = range.lowerBound * strides[axis]
    let outStrides = contiguousStrides(outShape)
    let y = Tensor.result(outShape, "slice", inputs: [x], zeroed: false) { y in
        stridedCopy(shape: outShape, source: y.grad!.pointer, sourceStrides: outStrides,
                    target: x.gradientBuffer() + offset, targetStrides: strides, accumulate: true)
    }
    stridedCopy(shape: outShape, source: x.data + offset, sourceStrides: strides,
                target: y.data, targetStrides: outStrides, accumulate: false)
    return y
}

/// Joins tensors along `axis`; all other axes must agree.
public func concatenate(_ parts: [Tensor], axis: Int) -> Tensor {
    precondition(!parts.isEmpty)
    var outShape = parts[0].shape
    outShape[axis] = parts.map { $0.shape[axis] }.reduce(0, +)
    for p in parts {
        var s = p.shape; s[axis] = outShape[axis]
        precondition(s == outShape, "concatenate: shapes \(parts.map(\.shape)) differ off axis \(axis)")
    }
    let outStrides = contiguousStrides(outShape)
    var offsets: [Int] = []
    var start = 0
    for p in parts { offsets.append(start * outStrides[axis]); start += p.shape[axis] }
    let y = Tensor.result(outShape, "concatenate", inputs: parts, zeroed: false) { y in
        for (p, o) in zip(parts, offsets) where p.tracksGradient {
            stridedCopy(shape: p.shape, source: y.grad!.pointer + o, sourceStrides: outStrides,
                        target: p.gradientBuffer(), targetStrides: contiguousStrides(p.shape), accumulate: true)
        }
    }
    for (p, o) in zip(parts, offsets) {
        stridedCopy(shape: p.shape, source: p.data, sourceStrides: contiguousStrides(p.shape),
                    target: y.data + o, targetStrides: outStrides, accumulate: false)
    }
    return y
}

/// Cuts frames [B, T, H, W, C] into patch tokens [B, T, (H/p)·(W/p), p·p·C].
public func patchify(_ frames: Tensor, patch p: Int) -> Tensor {
    let (b, t, h, w, c) = (frames.shape[0], frames.shape[1], frames.shape[2], frames.shape[3], frames.shape[4])
    precondition(h % p == 0 && w % p == 0, "frame \(h)x\(w) does not divide into \(p)x\(p) patches")
    let grid = reshape(frames, [b * t, h / p, p, w / p, p, c])
    return reshape(permute(grid, [0, 1, 3, 2, 4, 5]), [b, t, (h / p) * (w / p), p * p * c])
}

/// Inverse of `patchify`: tokens [B, T, (H/p)·(W/p), p·p·C] back to frames [B, T, H, W, C].
public func unpatchify(_ tokens: Tensor, patch p: Int, height h: Int, width w: Int, channels c: Int) -> Tensor {
    let (b, t) = (tokens.shape[0], tokens.shape[1])
    let grid = reshape(tokens, [b * t, h / p, w / p, p, p, c])
    return reshape(permute(grid, [0, 1, 3, 2, 4, 5]), [b, t, h, w, c])
}

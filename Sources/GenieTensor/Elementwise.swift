import Foundation

/// Elementwise operations, with numpy-style broadcasting of the second operand.

/// For each element of `outShape`, where it reads from a tensor of `inShape` that broadcasts
/// to it: the run length of the innermost contiguous block and the input offset per block.
struct Broadcast {
    let outShape: [Int]
    let inShape: [Int]
    /// Elements per innermost block (the trailing axes in which both shapes agree).
    let block: Int
    /// Whether the input block is contiguous (true) or one repeated value (false).
    let inputContiguous: Bool

    init(_ outShape: [Int], _ inShape: [Int]) {
        precondition(inShape.count <= outShape.count, "cannot broadcast \(inShape) to \(outShape)")
        let padded = [Int](repeating: 1, count: outShape.count - inShape.count) + inShape
        for (o, i) in zip(outShape, padded) {
            precondition(i == o || i == 1, "cannot broadcast \(inShape) to \(outShape)")
        }
        self.outShape = outShape
        self.inShape = padded
        // Innermost block: trailing axes where the shapes agree; or, if the last axis is
        // broadcast, the trailing axes where the input is 1.
        var block = 1
        var axis = outShape.count - 1
        if axis >= 0 && padded[axis] == outShape[axis] && outShape[axis] != 1 {
            while axis >= 0 && padded[axis] == outShape[axis] { block *= outShape[axis]; axis -= 1 }
            inputContiguous = true
        } else {
            while axis >= 0 && padded[axis] == 1 { block *= outShape[axis]; axis -= 1 }
            inputContiguous = false
        }
        self.block = max(block, 1)
    }

    /// Number of innermost blocks in the output.
    var blockCount: Int { outShape.reduce(1, *) / block }

    /// Calls `body(outputOffset, inputOffset)` for every block (or the blocks in `blocks`),
    /// in output order.
    func forEachBlock(in blocks: Range<Int>? = nil, _ body: (Int, Int) -> Void) {
        let total = outShape.reduce(1, *)
        if total == 0 { return }
        let blocks = blocks ?? 0..<(total / block)
        // Input strides (0 on broadcast axes).
        var strides = [Int](repeating: 0, count: inShape.count)
        var s = 1
        for a in stride(from: inShape.count - 1, through: 0, by: -1) {
            strides[a] = inShape[a] == 1 ? 0 : s
            s *= inShape[a]
        }
        // Axes above the block, innermost first.
        var outerAxes: [Int] = []
        var covered = 1
        for a in stride(from: outShape.count - 1, through: 0, by: -1) {
            if covered < block { covered *= outShape[a]; continue }
            outerAxes.append(a)
        }
        // The position of the first block.
        var counter = [Int](repeating: 0, count: outShape.count)
        var inOffset = 0
        var remaining = blocks.lowerBound
        for a in outerAxes {
            counter[a] = remaining % outShape[a]
            remaining /= outShape[a]
            inOffset += counter[a] * strides[a]
        }
        for b in blocks {
            body(b * block, inOffset)
            for a in outerAxes {
                counter[a] += 1
                inOffset += strides[a]
                if counter[a] < outShape[a] { break }
                inOffset -= strides[a] * counter[a]
                counter[a] = 0
            }
        }
    }

    /// Adds `source` (output-shaped) into `target` (input-shaped), reducing broadcast axes.
    func reduce(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, scale: UnsafePointer<Float>? = nil) {
        forEachBlock { o, i in
            if inputContiguous {
                for j in 0..<block { target[i + j] += source[o + j] }
            } else {
                var s: Float = 0
                for j in 0..<block { s += source[o + j] }
                target[i] += s
            }
        }
    }
}

/// d[0..<n] += dy[0..<n], split over the cores: the gradient through an identity path (an
/// addition's operand, a reshape, a residual, the quantiser's straight-through estimate).
func accumulate(_ dy: UnsafePointer<Float>, into d: UnsafeMutablePointer<Float>, count n: Int) {
    parallelRanges(n, work: n) { range in for i in range { d[i] += dy[i] } }
}

/// a + b, where b broadcasts to a's shape (e.g. a bias, a positional embedding, a scalar).
public func add(_ a: Tensor, _ b: Tensor) -> Tensor {
    let plan = Broadcast(a.shape, b.shape)
    let y = Tensor.result(a.shape, "add", inputs: [a, b], zeroed: false) { y in
        let dy = y.grad!.pointer
        if a.tracksGradient {
            accumulate(dy, into: a.gradientBuffer(), count: a.count)
        }
        if b.tracksGradient {
            if b.count == a.count {
                accumulate(dy, into: b.gradientBuffer(), count: b.count)
            } else {
                plan.reduce(dy, into: b.gradientBuffer())
            }
        }
    }
    let pa = a.data, pb = b.data, py = y.data
    parallelRanges(plan.blockCount, work: a.count) { blocks in
        plan.forEachBlock(in: blocks) { o, i in
            if plan.inputContiguous {
                for j in 0..<plan.block { py[o + j] = pa[o + j] + pb[i + j] }
            } else {
                let v = pb[i]
                for j in 0..<plan.block { py[o + j] = pa[o + j] + v }
            }
        }
    }
    return y
}

/// a · b elementwise, where b broadcasts to a's shape (e.g. a LayerNorm gain, a mask).
public func mul(_ a: Tensor, _ b: Tensor) -> Tensor {
    let plan = Broadcast(a.shape, b.shape)
    let y = Tensor.result(a.shape, "mul", inputs: [a, b], zeroed: false) { y in
        let dy = y.grad!.pointer
        if a.tracksGradient {
            let da = a.gradientBuffer(), pb = b.data
            plan.forEachBlock { o, i in
                for j in 0..<plan.block { da[o + j] += dy[o + j] * pb[plan.inputContiguous ? i + j : i] }
            }
        }
        if b.tracksGradient {
            let product = Storage(count: a.count, zeroed: false)
            for i in 0..<a.count { product.pointer[i] = dy[i] * a.data[i] }
            plan.reduce(product.pointer, into: b.gradientBuffer())
        }
    }
    let pa = a.data, pb = b.data, py = y.data
    plan.forEachBlock { o, i in
        for j in 0..<plan.block { py[o + j] = pa[o + j] * pb[plan.inputContiguous ? i + j : i] }
    }
    return y
}

/// x · s for a constant s.
public func scale(_ x: Tensor, _ s: Float) -> Tensor {
    let y = Tensor.result(x.shape, "scale", inputs: [x], zeroed: false) { y in
        let dy = y.grad!.pointer, dx = x.gradientBuffer()
        for i in 0..<x.count { dx[i] += s * dy[i] }
    }
    for i in 0..<x.count { y.data[i] = s * x.data[i] }
    return y
}

/// Applies a pointwise function with derivative `derivative(x, y)`, split over both cores.
func pointwise(_ x: Tensor, _ name: String,
               _ f: @escaping (Float) -> Float, derivative: @escaping (Float, Float) -> Float) -> Tensor {
    let y = Tensor.result(x.shape, name, inputs: [x], zeroed: false) { y in
        let dy = y.grad!.pointer, dx = x.gradientBuffer(), px = x.data, py = y.data
        parallelRanges(x.count, work: x.count * 8) { r in
            for i in r { dx[i] += dy[i] * derivative(px[i], py[i]) }
        }
    }
    let px = x.data, py = y.data
    parallelRanges(x.count, work: x.count * 8) { r in
        for i in r { py[i] = f(px[i]) }
    }
    return y
}

/// GELU, tanh approximation (as in GPT-2), on both cores. The loops call only
/// `fastTanh`, so they vectorise.
public func gelu(_ x: Tensor) -> Tensor {
    let n = x.count
    let y = Tensor.result(x.shape, "gelu", inputs: [x], zeroed: false) { y in
        let dy = y.grad!.pointer, dx = x.gradientBuffer(), px = x.data
        parallelRanges(n, work: n * 8) { range in geluBackward(px, dy, dx, range) }
    }
    let px = x.data, py = y.data
    parallelRanges(n, work: n * 8) { range in geluForward(px, py, range) }
    return y
}

private let geluC = Float((2 / Double.pi).squareRoot())
private let geluA: Float = 0.044715

private func geluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>) {
    let c = geluC, a = geluA
    for i in range {
        let v = x[i]
        let inner = c * (v + a * v * v * v)
        y[i] = 0.5 * v * (1 + fastTanh(inner))
    }
}

private func geluBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ range: Range<Int>) {
    let c = geluC, a = geluA
    for i in range {
        let v = x[i]
        let v2 = v * v
        let t = fastTanh(c * (v + a * v2 * v))
        let slope = (1 - t * t) * (c * (1 + 3 * a * v2))
        dx[i] += dy[i] * (0.5 * (1 + t) + 0.5 * v * slope)
    }
}


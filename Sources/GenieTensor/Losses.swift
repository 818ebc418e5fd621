import Foundation

/// Mean squared error over all elements: mean((prediction − target)²). The target gets no
/// gradient.
public func meanSquaredError(_ prediction: Tensor, _ target: Tensor) -> Tensor {
    precondition(prediction.shape == target.shape, "mse: \(prediction.shape) vs \(target.shape)")
    let n = prediction.count
    let y = Tensor.result([1], "mse", inputs: [prediction]) { y in
        let g = y.grad!.pointer[0] * 2 / Float(n), dp = prediction.gradientBuffer()
        for i in 0..<n { dp[i] += g * (prediction.data[i] - target.data[i]) }
    }
    var s: Double = 0
    for i in 0..<n { let d = Double(prediction.data[i] - target.data[i]); s += d * d }
    y.data[0] = Float(s / Double(max(n, 1)))
    return y
}

/// Cross-entropy of `logits` [N, V] against class `targets`, averaged over the positions
/// whose `mask` entry is true (all positions when `mask` is nil). Masked-out positions
/// contribute neither loss nor gradient — what MaskGIT's loss on masked tokens needs.
/// `averagedOver` divides by another count instead (the masked tokens of a whole batch of
/// which these rows are a part, in data-parallel training).
public func crossEntropy(_ logits: Tensor, targets: [Int32], mask: [Bool]? = nil, averagedOver count: Int? = nil) -> Tensor {
    let v = logits.shape.last!
    let n = logits.count / v
    precondition(targets.count == n, "crossEntropy: \(targets.count) targets for \(n) rows")
    if let mask { precondition(mask.count == n, "crossEntropy: mask has \(mask.count) entries for \(n) rows") }
    let counted = count ?? mask.map { $0.filter { $0 }.count } ?? n
    for r in 0..<n where mask?[r] ?? true {
        precondition(targets[r] >= 0 && Int(targets[r]) < v, "crossEntropy target \(targets[r]) outside 0..<\(v)")
    }
    let probabilities = Storage(count: logits.count, zeroed: false)
    let y = Tensor.result([1], "crossEntropy", inputs: [logits]) { y in
        guard counted > 0 else { return }
        let g = y.grad!.pointer[0] / Float(counted), dl = logits.gradientBuffer()
        parallelRanges(n, work: n * v * 2) { rows in
            for r in rows where mask?[r] ?? true {
                let p = probabilities.pointer + r * v, d = dl + r * v
                for j in 0..<v { d[j] += g * p[j] }
                d[Int(targets[r])] -= g
            }
        }
    }
    // Rows split across the cores; each part sums its own losses (in a fixed order, so the
    // total does not depend on timing).
    let parts = partitionCount(n, work: n * v * 4)
    var partTotals = [Double](repeating: 0, count: parts)
    partTotals.withUnsafeMutableBufferPointer { totals in
        let totals = totals.baseAddress!
        parallelPartitions(n, work: n * v * 4) { part, rows in
            var total: Double = 0
            for r in rows where mask?[r] ?? true {
                let row = logits.data + r * v
                // −log softmax = log Σ exp − logit: no underflow for confident rows.
                let logSumExp = softmaxRow(row, probabilities.pointer + r * v, v)
                total += Double(logSumExp - row[Int(targets[r])])
            }
            totals[part] = total
        }
    }
    let total = partTotals.reduce(0, +)
    y.data[0] = counted > 0 ? Float(total / Double(counted)) : 0
    return y
}

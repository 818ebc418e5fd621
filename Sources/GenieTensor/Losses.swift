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
public func crossEntropy(_ logits: Tensor, targets: [Int32], mask: [Bool]? = nil) -> Tensor {
    let v = logits.shape.last!
    let n = logits.count / v
    precondition(targets.count == n, "crossEntropy: \(targets.count) targets for \(n) rows")
    if let mask { precondition(mask.count == n, "crossEntropy: mask has \(mask.count) entries for \(n) rows") }
    let counted = mask.map { $0.filter { $0 }.count } ?? n
    let probabilities = Storage(count: logits.count, zeroed: false)
    let y = Tensor.result([1], "crossEntropy", inputs: [logits]) { y in
        guard counted > 0 else { return }
        let g = y.grad!.pointer[0] / Float(counted), dl = logits.gradientBuffer()
        for r in 0..<n where mask?[r] ?? true {
            let p = probabilities.pointer + r * v, d = dl + r * v
            for j in 0..<v { d[j] += g * p[j] }
            d[Int(targets[r])] -= g
        }
    }
    var total: Double = 0
    for r in 0..<n where mask?[r] ?? true {
        let t = Int(targets[r])
        precondition(t >= 0 && t < v, "crossEntropy target \(t) outside 0..<\(v)")
        let row = logits.data + r * v
        softmaxRow(row, probabilities.pointer + r * v, v)
        // −log softmax = logsumexp − logit, computed without underflow.
        var mx = -Float.infinity
        for j in 0..<v { mx = max(mx, row[j]) }
        var s: Double = 0
        for j in 0..<v { s += Foundation.exp(Double(row[j] - mx)) }
        total += Double(mx) + Foundation.log(s) - Double(row[t])
    }
    y.data[0] = counted > 0 ? Float(total / Double(counted)) : 0
    return y
}

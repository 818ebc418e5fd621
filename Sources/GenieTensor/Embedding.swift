/// Embedding lookup: rows of `table` [V, D] picked by integer indices; the backward
/// scatter-adds each output row's gradient into the row it came from.
public func embedding(_ indices: [Int32], shape: [Int], table: Tensor) -> Tensor {
    precondition(table.rank == 2, "embedding table must be [V, D]")
    precondition(indices.count == shape.reduce(1, *), "\(indices.count) indices do not fill \(shape)")
    let vocabulary = table.shape[0], d = table.shape[1]
    for i in indices { precondition(i >= 0 && Int(i) < vocabulary, "embedding index \(i) outside 0..<\(vocabulary)") }
    let y = Tensor.result(shape + [d], "embedding", inputs: [table], zeroed: false) { y in
        let dy = y.grad!.pointer, dt = table.gradientBuffer()
        for (r, index) in indices.enumerated() {
            let src = dy + r * d, dst = dt + Int(index) * d
            for j in 0..<d { dst[j] += src[j] }
        }
    }
    for (r, index) in indices.enumerated() {
        (y.data + r * d).update(from: table.data + Int(index) * d, count: d)
    }
    return y
}

import Foundation

/// A flat, heap-allocated float32 buffer. Tensors that are reshapes of one another share it.
public final class Storage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int, zeroed: Bool = true) {
        self.count = count
        pointer = BufferPool.shared.take(max(count, 1))
        if zeroed { pointer.update(repeating: 0, count: max(count, 1)) }
    }

    deinit { BufferPool.shared.give(pointer, count: max(count, 1)) }
}

/// Keeps freed buffers for reuse by size. A training step allocates the same activation
/// shapes every time; without reuse each large buffer is a fresh mmap whose pages the
/// kernel must fault in and clear — measured at a sixth of a training step.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var cachedFloats = 0
    /// Upper bound on floats kept for reuse (4 GiB).
    private let capacity = 1 << 30
    private var lock = pthread_mutex_t()

    init() { pthread_mutex_init(&lock, nil) }

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        pthread_mutex_lock(&lock)
        if var list = free[count], let p = list.popLast() {
            free[count] = list
            cachedFloats -= count
            pthread_mutex_unlock(&lock)
            return p
        }
        pthread_mutex_unlock(&lock)
        return .allocate(capacity: count)
    }

    func give(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        // Small buffers come cheaply from malloc: only pool what would be an mmap.
        guard count >= 16_384 else { pointer.deallocate(); return }
        pthread_mutex_lock(&lock)
        if cachedFloats + count <= capacity {
            free[count, default: []].append(pointer)
            cachedFloats += count
            pthread_mutex_unlock(&lock)
        } else {
            pthread_mutex_unlock(&lock)
            pointer.deallocate()
        }
    }
}

/// A dense, row-major float32 tensor that remembers how it was computed.
///
/// Every operation in this module computes its forward result at once and, when an input
/// takes part in gradient computation, attaches a hand-written backward function to the
/// result. `backward()` on a scalar then runs those functions in reverse topological order:
/// a tape of layer-level operations, as in llm.c, built as the forward pass runs.
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let count: Int
    public let storage: Storage
    /// True for parameters (leaves whose gradient is wanted).
    public var requiresGrad: Bool
    /// Accumulated gradient, allocated on first use; same shape as the tensor.
    public var grad: Storage?
    /// Short name of the operation that produced this tensor (for debugging).
    public let operation: String

    var parents: [Tensor]
    /// Propagates `output.grad` into the parents' gradients. Takes the output as an argument
    /// so that the closure need not capture it (no reference cycle).
    var backwardFunction: ((Tensor) -> Void)?

    /// Whether operations record backward functions. Turned off for inference and metrics.
    @TaskLocal public static var gradientEnabled = true

    public init(shape: [Int], storage: Storage? = nil, requiresGrad: Bool = false, operation: String = "leaf", zeroed: Bool = true) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        if let storage {
            precondition(storage.count == count, "storage of \(storage.count) floats does not fit shape \(shape)")
            self.storage = storage
        } else {
            self.storage = Storage(count: count, zeroed: zeroed)
        }
        self.requiresGrad = requiresGrad
        self.operation = operation
        self.parents = []
    }

    /// A tensor holding a copy of `values`.
    public convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        self.init(shape: shape, requiresGrad: requiresGrad)
        values.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, requiresGrad: requiresGrad)
    }

    public static func scalar(_ value: Float) -> Tensor { Tensor([value], shape: [1]) }

    /// Values drawn from N(0, std²) with the package's own generator.
    public static func randomNormal(_ shape: [Int], std: Float, generator: inout RandomGenerator, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor(shape: shape, requiresGrad: requiresGrad)
        for i in 0..<t.count { t.data[i] = generator.nextNormal() * std }
        return t
    }

    @inline(__always) public var data: UnsafeMutablePointer<Float> { storage.pointer }
    public var array: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }
    public var gradientArray: [Float]? { grad.map { Array(UnsafeBufferPointer(start: $0.pointer, count: count)) } }
    public var rank: Int { shape.count }
    /// The single value of a one-element tensor.
    public var item: Float { precondition(count == 1); return data[0] }

    /// Whether gradients flow through this tensor.
    @inline(__always) public var tracksGradient: Bool { requiresGrad || backwardFunction != nil }

    /// The gradient buffer, allocated (zeroed) on first use.
    @inline(__always) public func gradientBuffer() -> UnsafeMutablePointer<Float> {
        if let grad { return grad.pointer }
        let g = Storage(count: count)
        grad = g
        return g.pointer
    }

    /// The gradient buffer for a GEMM that adds into it: an existing one with β = 1, or a
    /// fresh, unzeroed one with β = 0 (the GEMM overwrites it, so zeroing would be wasted).
    @inline(__always) public func gradientForGemm() -> (pointer: UnsafeMutablePointer<Float>, beta: Float) {
        if let grad { return (grad.pointer, 1) }
        let g = Storage(count: count, zeroed: false)
        grad = g
        return (g.pointer, 0)
    }

    public func zeroGradient() { grad = nil }

    /// The same values, cut from the graph: no gradient flows back through the result.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage, operation: "detach") }

    /// An independent copy of the values (not connected to the graph).
    public func copy() -> Tensor {
        let t = Tensor(shape: shape)
        t.data.update(from: data, count: count)
        return t
    }

    /// Builds an operation's result and, when gradients are wanted, attaches its backward.
    /// `zeroed: false` is for operations that overwrite every element of their result.
    static func result(_ shape: [Int], _ operation: String, inputs: [Tensor], storage: Storage? = nil,
                       zeroed: Bool = true, backward: @escaping (Tensor) -> Void) -> Tensor {
        if OperationProfile.enabled { OperationProfile.beginForward(operation) }
        let out = Tensor(shape: shape, storage: storage, operation: operation, zeroed: zeroed)
        if Tensor.gradientEnabled && inputs.contains(where: { $0.tracksGradient }) {
            out.parents = inputs
            out.backwardFunction = backward
        }
        return out
    }

    /// Back-propagates from this tensor (normally a scalar loss, seeded with 1) into every
    /// tensor that produced it. Gradients accumulate into `grad` of parameters.
    public func backward(seed: [Float]? = nil) {
        var order: [Tensor] = []
        var seen = Set<ObjectIdentifier>()
        // Iterative depth-first post-order, so deep graphs do not exhaust the stack.
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            if seen.contains(ObjectIdentifier(node)) { continue }
            seen.insert(ObjectIdentifier(node))
            stack.append((node, true))
            for p in node.parents where p.backwardFunction != nil && !seen.contains(ObjectIdentifier(p)) {
                stack.append((p, false))
            }
        }
        if OperationProfile.enabled { OperationProfile.closeForward() }
        let g = gradientBuffer()
        if let seed {
            precondition(seed.count == count)
            for i in 0..<count { g[i] += seed[i] }
        } else {
            for i in 0..<count { g[i] += 1 }
        }
        for node in order.reversed() {
            guard let f = node.backwardFunction, node.grad != nil else { continue }
            if OperationProfile.enabled {
                let start = OperationProfile.now()
                f(node)
                OperationProfile.record(node.operation + ".backward", since: start)
            } else {
                f(node)
            }
            // Intermediate gradients are not needed once passed on; free them early.
            if !node.requiresGrad { node.grad = nil }
        }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String { "Tensor(\(shape), \(operation))" }
}

/// Runs `body` with gradient recording turned off.
public func withoutGradient<T>(_ body: () throws -> T) rethrows -> T {
    try Tensor.$gradientEnabled.withValue(false) { try body() }
}

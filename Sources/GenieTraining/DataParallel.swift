import Foundation
import GenieTensor

/// The processes that train one model together, data-parallel: every process ("rank") holds
/// the whole model, draws the same global batch, computes the gradient of its own share of
/// it, and the shares' gradients are summed. `SingleProcess` is the group of one; the MPI
/// build adds the group of `mpirun`'s ranks (module GenieMPI).
public protocol ProcessGroup: AnyObject {
    var rank: Int { get }
    var size: Int { get }
    /// Replaces `values` on every rank by their sum over all ranks.
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>)
    func allreduceSum(_ values: [Double]) -> [Double]
    /// Every rank's `local` (all of one length), concatenated in rank order.
    func allgather(_ local: [Float]) -> [Float]
}

extension ProcessGroup {
    /// Rank 0 alone writes checkpoints, samples, logs and the progress bar.
    public var isRoot: Bool { rank == 0 }

    /// The examples of each global batch that this rank computes.
    public var share: BatchShare { BatchShare(rank: rank, ranks: size) }

    /// The mean over ranks of per-rank figures (each over an equal share of the batch).
    public func mean(_ figures: [Float]) -> [Float] {
        guard size > 1 else { return figures }
        return allreduceSum(figures.map(Double.init)).map { Float($0 / Double(size)) }
    }

    /// The loss `local` (a mean over this rank's equal share) as its contribution to the
    /// mean over the global batch.
    public func contribution(ofShareMean local: Tensor) -> Tensor {
        size > 1 ? scale(local, 1 / Float(size)) : local
    }

    /// Whether any rank asks to stop: all ranks then stop after the same step.
    public func anyRank(_ flag: Bool) -> Bool { allreduceSum([flag ? 1 : 0])[0] > 0 }

    public func allgather(_ local: [Int32]) -> [Int32] {
        // Codes and actions are far below 2^24, so a float carries them exactly.
        allgather(local.map(Float.init)).map { Int32($0) }
    }

    /// Every rank's rows of `local` [rows, …] stacked in rank order: the rows of the global batch.
    public func allgather(_ local: Tensor) -> Tensor {
        guard size > 1 else { return local }
        let all = allgather(local.array)
        return Tensor(all, shape: [local.shape[0] * size] + local.shape.dropFirst())
    }
}

/// One process: every collective is the identity.
public final class SingleProcess: ProcessGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) {}
    public func allreduceSum(_ values: [Double]) -> [Double] { values }
    public func allgather(_ local: [Float]) -> [Float] { local }
}

/// Which examples of a global batch one rank computes: a contiguous block, so the blocks of
/// all ranks tile the batch in order without overlap.
public struct BatchShare: Sendable, Equatable {
    public let rank: Int
    public let ranks: Int

    public static let whole = BatchShare(rank: 0, ranks: 1)

    public init(rank: Int, ranks: Int) {
        precondition(ranks >= 1 && (0..<ranks).contains(rank))
        self.rank = rank
        self.ranks = ranks
    }

    /// Checks that a global batch of `batch` examples splits evenly.
    public func validate(batch: Int) throws {
        guard batch % ranks == 0 else { throw DataParallelError.unevenBatch(batch: batch, ranks: ranks) }
    }

    /// The examples `0..<batch` of the global batch that this rank computes.
    public func range(of batch: Int) -> Range<Int> {
        let per = batch / ranks
        return (rank * per)..<((rank + 1) * per)
    }

    /// This rank's part of a per-example array: `perExample` values for each example.
    public func slice<T>(_ values: [T], batch: Int, perExample: Int) -> [T] {
        let r = range(of: batch)
        return Array(values[(r.lowerBound * perExample)..<(r.upperBound * perExample)])
    }
}

public enum DataParallelError: Error, CustomStringConvertible, Equatable {
    case unevenBatch(batch: Int, ranks: Int)

    public var description: String {
        switch self {
        case .unevenBatch(let b, let n): return "--batch \(b) does not split evenly over \(n) ranks: give a multiple of \(n)"
        }
    }
}

/// Sums the parameters' gradients over the group in one allreduce. A parameter that no rank
/// gave a gradient keeps none (the optimiser then skips it, as in a one-process run); one
/// that only some ranks reached gets the others' zeros.
///
/// Each rank's loss is its share's contribution to the global batch's loss, so the sum is
/// the gradient of the global batch.
public func allreduceGradients(_ parameters: [Tensor], over group: ProcessGroup) {
    guard group.size > 1 else { return }
    let total = parameters.reduce(0) { $0 + $1.count }
    // The gradients, then one presence flag per parameter.
    var buffer = [Float](repeating: 0, count: total + parameters.count)
    buffer.withUnsafeMutableBufferPointer { b in
        var offset = 0
        for (i, p) in parameters.enumerated() {
            if let g = p.grad?.pointer {
                (b.baseAddress! + offset).update(from: g, count: p.count)
                b[total + i] = 1
            }
            offset += p.count
        }
        group.allreduceSum(b)
        offset = 0
        for (i, p) in parameters.enumerated() {
            if b[total + i] > 0 {
                p.gradientBuffer().update(from: b.baseAddress! + offset, count: p.count)
            } else {
                p.zeroGradient()
            }
            offset += p.count
        }
    }
}

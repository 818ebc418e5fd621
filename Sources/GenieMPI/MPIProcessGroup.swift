// Compiled only with the MPI trait (`swift build --traits MPI`): the default build has no
// Open MPI to import.
#if MPI
import CMPI
import Foundation
import GenieTraining

/// The ranks of an `mpirun` (or `srun`) job as a `ProcessGroup`, over MPI_COMM_WORLD.
///
/// MPI's default error handler stays in place: an MPI error, or a rank that dies, aborts the
/// whole job (mpirun names the rank) rather than leaving the others waiting in a collective.
public final class MPIProcessGroup: ProcessGroup {
    public let rank: Int
    public let size: Int
    let world = genie_mpi_comm_world()

    /// Whether a process launcher started this process as one rank of a job.
    public static var launched: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"].contains { environment[$0] != nil }
    }

    /// Initialises MPI (once per process).
    public init() {
        MPI_Init(nil, nil)
        var r: Int32 = 0, n: Int32 = 0
        MPI_Comm_rank(world, &r)
        MPI_Comm_size(world, &n)
        rank = Int(r)
        size = Int(n)
    }

    /// Ends MPI; call once, after the last collective.
    public func finish() { MPI_Finalize() }

    /// Ends every rank of the job with `status`, after this rank printed why.
    public func abort(status: Int32) -> Never {
        MPI_Abort(world, status)
        exit(status)
    }

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) {
        // MPI counts are Int32: large buffers go in pieces.
        var offset = 0
        while offset < values.count {
            let n = min(values.count - offset, 1 << 30)
            MPI_Allreduce(genie_mpi_in_place(), values.baseAddress! + offset, Int32(n), genie_mpi_float(), genie_mpi_sum(), world)
            offset += n
        }
    }

    public func allreduceSum(_ values: [Double]) -> [Double] {
        var result = values
        result.withUnsafeMutableBufferPointer { b in
            _ = MPI_Allreduce(genie_mpi_in_place(), b.baseAddress!, Int32(b.count), genie_mpi_double(), genie_mpi_sum(), world)
        }
        return result
    }

    public func allgather(_ local: [Float]) -> [Float] {
        var all = [Float](repeating: 0, count: local.count * size)
        local.withUnsafeBufferPointer { send in
            all.withUnsafeMutableBufferPointer { receive in
                _ = MPI_Allgather(send.baseAddress, Int32(local.count), genie_mpi_float(),
                                  receive.baseAddress, Int32(local.count), genie_mpi_float(), world)
            }
        }
        return all
    }

    /// Waits until every rank reaches this point.
    public func barrier() { MPI_Barrier(world) }
}
#endif

import Foundation
import GenieTraining
#if MPI
import GenieMPI
#endif

/// The ranks `genie train` and `genie bench train` run on: one process, or, in a build with
/// the MPI trait started by mpirun or srun, the job's ranks.
enum Distributed {
    nonisolated(unsafe) private(set) static var group: ProcessGroup = SingleProcess()
    #if MPI
    nonisolated(unsafe) private static var mpi: MPIProcessGroup?
    #endif

    /// Joins the job when launched as one of its ranks. Other commands never start MPI, so
    /// playing needs none.
    static func start() throws {
        #if MPI
        guard MPIProcessGroup.launched else { return }
        let world = MPIProcessGroup()
        mpi = world
        group = world
        #else
        // N copies of a build without MPI would each train alone and overwrite each other's run.
        let environment = ProcessInfo.processInfo.environment
        if let n = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"].compactMap({ environment[$0].flatMap(Int.init) }).first, n > 1 {
            throw DistributedError.builtWithoutMPI(ranks: n)
        }
        #endif
    }

    /// Leaves the job (after the last collective).
    static func finish() {
        #if MPI
        mpi?.finish()
        #endif
    }

    /// Ends every rank of the job with `status`.
    static func abortJob(status: Int32) {
        #if MPI
        mpi?.abort(status: status)
        #endif
    }

    /// Rank 0 alone speaks; the other ranks' messages would repeat it.
    static func say(_ text: String) {
        if group.isRoot { FileHandle.standardError.write(Data((text + "\n").utf8)) }
    }
}

enum DistributedError: Error, CustomStringConvertible {
    case builtWithoutMPI(ranks: Int)

    var description: String {
        switch self {
        case .builtWithoutMPI(let n):
            return "this genie was built without MPI, so \(n) ranks would each train alone: rebuild with `swift build -c release --traits MPI`"
        }
    }
}

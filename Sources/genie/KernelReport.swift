import Foundation
import GenieSupport
import GenieTensor

/// What play says, once, about the BLAS kernel it runs (see `OpenBLASKernel.report`). When
/// OPENBLAS_CORETYPE holds the CPU back, both kernels' raw sgemm speed is measured: the loaded
/// one here, the recommended one in a child process (OpenBLAS fixes its kernel at load time).
enum KernelReport {
    static func lines() -> [String] {
        let loaded = BLASInfo.coreName
        let user = OpenBLASKernel.userKernel()
        let recommended = OpenBLASKernel.recommended()
        var measured: (Double, Double)?
        if user != nil, let recommended, OpenBLASKernel.isOlder(loaded, than: recommended) == true,
           let other = sgemmInChild(kernel: recommended) {
            measured = (OpenBLASKernel.sgemmGFLOPS(), other)
        }
        return OpenBLASKernel.report(loaded: loaded, userKernel: user, recommended: recommended, measured: measured)
    }

    /// Raw sgemm GFLOP/s of `kernel`, from `genie bench kernels --sgemm-only` run with it.
    static func sgemmInChild(kernel: String) -> Double? {
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = kernel
        environment["GENIE_KERNEL_CHOSEN"] = "1"
        guard let result = ChildProcess.run("/proc/self/exe", ["bench", "kernels", "--sgemm-only"], environment: environment),
              result.status == 0, let last = result.output.split(separator: " ").last else { return nil }
        return Double(last.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

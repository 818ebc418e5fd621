import XCTest
import GenieSupport
@testable import GenieTensor

/// What play says about the OpenBLAS kernel, from the CPU's features and OPENBLAS_CORETYPE.
final class KernelAdviceTests: XCTestCase {
    let avx2: Set<String> = ["sse4_2", "avx", "avx2", "fma"]
    let avx512: Set<String> = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"]

    func testRecommendedKernelFromFeatures() {
        XCTAssertEqual(OpenBLASKernel.recommended(cpuFlags: avx2), "Haswell")
        XCTAssertEqual(OpenBLASKernel.recommended(cpuFlags: avx512), "SkylakeX")
        XCTAssertNil(OpenBLASKernel.recommended(cpuFlags: ["sse2"]))
    }

    /// Play drops to one BLAS thread when other work keeps half a core or more busy, and
    /// leaves a count the user chose alone.
    func testPlayThreadsFollowTheOtherWork() {
        XCTAssertEqual(BLASInfo.playThreads(current: 2, coresBusyElsewhere: 0.1, chosenByUser: false), 2)
        XCTAssertEqual(BLASInfo.playThreads(current: 2, coresBusyElsewhere: 0.5, chosenByUser: false), 1)
        XCTAssertEqual(BLASInfo.playThreads(current: 4, coresBusyElsewhere: 1.9, chosenByUser: false), 1)
        XCTAssertEqual(BLASInfo.playThreads(current: 2, coresBusyElsewhere: 1.9, chosenByUser: true), 2)
        XCTAssertEqual(BLASInfo.playThreads(current: 2, coresBusyElsewhere: nil, chosenByUser: false), 2, "no /proc/stat: as it was")
    }

    /// Cores at work from two readings of /proc/stat's "cpu" line (user nice system idle
    /// iowait irq softirq steal): idle and iowait are not work.
    func testCoresBusyFromProcStat() throws {
        let a = try XCTUnwrap(SystemLoad.parse("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n"))
        XCTAssertEqual(a, SystemLoad.Times(busy: 150, total: 1000))
        let b = try XCTUnwrap(SystemLoad.parse("cpu  250 0 100 850 50 0 0 0 0 0\n"))
        XCTAssertEqual(try XCTUnwrap(SystemLoad.coresBusy(from: a, to: b, cores: 2)), 1.6, accuracy: 1e-9, "200 of 250 ticks at work on 2 cores")
        XCTAssertNil(SystemLoad.coresBusy(from: b, to: a, cores: 2), "counters that went backwards")
        XCTAssertNil(SystemLoad.coresBusy(from: a, to: a, cores: 2), "no time passed")
        for bad in ["", "intr 1 2 3", "cpu  1 2 x 4", "cpu  1 2", "cpu  18446744073709551615 1 1 1"] {
            XCTAssertNil(SystemLoad.parse(bad), bad)
        }
        // This machine's own /proc/stat, where there is one.
        if FileManager.default.fileExists(atPath: "/proc/stat") {
            let busy = try XCTUnwrap(SystemLoad.coresBusy(over: 0.05, cores: 2))
            XCTAssertTrue((0...2).contains(busy), "\(busy)")
        }
    }

    func testKernelGenerations() {
        XCTAssertEqual(OpenBLASKernel.isOlder("Haswell", than: "SkylakeX"), true)
        XCTAssertEqual(OpenBLASKernel.isOlder("SANDYBRIDGE", than: "Haswell"), true)
        XCTAssertEqual(OpenBLASKernel.isOlder("Zen", than: "Haswell"), false, "Zen runs Haswell's code")
        XCTAssertEqual(OpenBLASKernel.isOlder("Cooperlake", than: "SkylakeX"), false)
        XCTAssertNil(OpenBLASKernel.isOlder("Armv8", than: "Haswell"))
    }

    func testUserKernelIsTheEnvironmentsNotGenies() {
        XCTAssertNil(OpenBLASKernel.userKernel(environment: [:]))
        XCTAssertEqual(OpenBLASKernel.userKernel(environment: ["OPENBLAS_CORETYPE": "Haswell"]), "Haswell")
        XCTAssertNil(OpenBLASKernel.userKernel(environment: ["OPENBLAS_CORETYPE": "Haswell", OpenBLASKernel.chosenMarker: "Haswell"]))
    }

    func testReportStatesTheKernelOnce() {
        XCTAssertEqual(OpenBLASKernel.report(loaded: "Haswell", userKernel: nil, recommended: "Haswell"),
                       ["OpenBLAS kernel Haswell, chosen for this CPU"])
        XCTAssertEqual(OpenBLASKernel.report(loaded: "Haswell", userKernel: "Haswell", recommended: "Haswell"),
                       ["OpenBLAS kernel Haswell, from OPENBLAS_CORETYPE=Haswell"])
    }

    func testSlowerKernelFromTheEnvironmentIsNamedWithTheMeasuredFactor() {
        // The case of the report: an AVX-512 CPU held to Haswell by the machine's environment.
        let lines = OpenBLASKernel.report(loaded: "Haswell", userKernel: "Haswell", recommended: "SkylakeX",
                                          measured: (loaded: 150, recommended: 375))
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines[1], "warning: this CPU supports the faster SkylakeX kernel (raw sgemm here: 150 GFLOP/s against 375, 2.5x); unset OPENBLAS_CORETYPE (or set it to SkylakeX) to let genie use it")
        // Without a measurement it still says so, without a factor.
        let unmeasured = OpenBLASKernel.report(loaded: "Prescott", userKernel: "Prescott", recommended: "Haswell")
        XCTAssertTrue(unmeasured[1].hasPrefix("warning: this CPU supports the faster Haswell kernel;"), unmeasured[1])
    }
}

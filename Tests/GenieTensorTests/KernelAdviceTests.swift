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

    /// Play keeps as many BLAS threads as the free cores hold (with half a core to spare),
    /// and leaves a count the user chose alone.
    func testPlayThreadsFollowTheOtherWork() {
        XCTAssertEqual(BLASInfo.playThreads(current: 2, load: (0.1, 2), chosenByUser: false), 2)
        XCTAssertEqual(BLASInfo.playThreads(current: 2, load: (0.5, 2), chosenByUser: false), 1)
        XCTAssertEqual(BLASInfo.playThreads(current: 2, load: (1.9, 2), chosenByUser: false), 1)
        XCTAssertEqual(BLASInfo.playThreads(current: 2, load: (1.0, 64), chosenByUser: false), 2, "a big machine with one busy core")
        XCTAssertEqual(BLASInfo.playThreads(current: 8, load: (1.2, 8), chosenByUser: false), 6)
        XCTAssertEqual(BLASInfo.playThreads(current: 2, load: (1.9, 2), chosenByUser: true), 2)
        XCTAssertEqual(BLASInfo.playThreads(current: 2, load: nil, chosenByUser: false), 2, "no /proc/stat: as it was")
    }

    /// Cores at work from two readings of /proc/stat (the "cpu" line: user nice system idle
    /// iowait irq softirq steal, then a line per core): idle and iowait are not work.
    func testCoresBusyFromProcStat() throws {
        let a = try XCTUnwrap(SystemLoad.parse("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\ncpu1 1 2 3 4\nintr 5\n"))
        XCTAssertEqual(a, SystemLoad.Times(busy: 150, total: 1000, cores: 2))
        let b = try XCTUnwrap(SystemLoad.parse("cpu  250 0 100 850 50 0 0 0 0 0\ncpu0 1\ncpu1 1\n"))
        XCTAssertEqual(try XCTUnwrap(SystemLoad.coresBusy(from: a, to: b)), 1.6, accuracy: 1e-9, "200 of 250 ticks at work on 2 cores")
        XCTAssertNil(SystemLoad.coresBusy(from: b, to: a), "counters that went backwards")
        XCTAssertNil(SystemLoad.coresBusy(from: a, to: a), "no time passed")
        for bad in ["", "intr 1 2 3", "cpu  1 2 x 4\ncpu0 1", "cpu  1 2\ncpu0 1", "cpu  18446744073709551615 1 1 1\ncpu0 1", "cpu  1 2 3 4\n"] {
            XCTAssertNil(SystemLoad.parse(bad), bad)
        }
        // This machine's own /proc/stat, where there is one.
        if FileManager.default.fileExists(atPath: "/proc/stat") {
            let load = try XCTUnwrap(SystemLoad.coresBusy(over: 0.05))
            XCTAssertGreaterThanOrEqual(load.cores, 1)
            XCTAssertTrue((0...Double(load.cores)).contains(load.busy), "\(load)")
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

import XCTest
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

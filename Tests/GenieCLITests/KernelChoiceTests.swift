import Foundation
import XCTest

/// The `genie` executable picks the OpenBLAS kernel from the CPU when the user has not, and
/// that kernel computes the same products as plain reference loops.
final class KernelChoiceTests: XCTestCase {
    func run(_ arguments: [String], environment: [String: String]) throws -> (Int32, String) {
        try GenieExecutable.run(arguments, environment: environment)
    }

    func cpuFlags() -> Set<String> {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        return Set(line.split(separator: " ").map(String.init))
    }

    func testChoosesKernelFromCPUAndItMatchesReference() throws {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "OPENBLAS_CORETYPE")
        environment.removeValue(forKey: "GENIE_KERNEL_CHOSEN")
        let (status, output) = try run(["bench", "kernels", "--verify-only"], environment: environment)
        XCTAssertEqual(status, 0, output)
        let flags = cpuFlags()
        let expected = flags.contains("avx512f") && flags.contains("avx512bw") ? "SkylakeX" : (flags.contains("avx2") && flags.contains("fma") ? "Haswell" : nil)
        if let expected {
            XCTAssertTrue(output.contains("OpenBLAS kernel \(expected)"), output)
        }
        XCTAssertTrue(output.contains("correct"), output)
    }

    func testRespectsTheUsersChoice() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = "Haswell"
        let (status, output) = try run(["bench", "kernels", "--verify-only"], environment: environment)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("OpenBLAS kernel Haswell"), output)
    }

    /// Training sets OpenBLAS's idle-thread timeout (threads sleep at once between the large
    /// products); a user's own setting wins.
    func testTrainingSetsTheIdleThreadTimeoutUnlessTheUserDid() throws {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "OPENBLAS_THREAD_TIMEOUT")
        environment.removeValue(forKey: "GENIE_KERNEL_CHOSEN")
        let arguments = ["bench", "train", "--model", "lam", "--batch", "1", "--frames", "2", "--steps", "1", "--json"]
        var (status, output) = try run(arguments, environment: environment)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("\"openblas_thread_timeout\" : \"4\""), output)
        environment["OPENBLAS_THREAD_TIMEOUT"] = "9"
        (status, output) = try run(arguments, environment: environment)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("\"openblas_thread_timeout\" : \"9\""), output)
    }
}

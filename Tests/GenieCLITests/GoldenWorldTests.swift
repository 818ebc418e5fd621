import Foundation
import XCTest
import GenieMedia
import GenieTraining

/// The shipped worlds (weights/, weights/coinrun/) against frames they made when they were committed: a seeded,
/// greedy (temperature 0) rollout from the simulator's start frame, right, right, jump,
/// noop, noop, left. Guards the whole inference path (weights, tokenizer, cached dynamics,
/// MaskGIT, decoder) against silent changes. A rare flip of one token between BLAS kernels
/// changes one patch, not a frame, so frames may differ by a small mean, never wholesale.
final class GoldenWorldTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testShippedWorldMakesItsRecordedRollout() throws {
        try checkRecordedRollout(weights: "weights", golden: "Tests/GenieCLITests/Golden")
    }

    /// The CoinRun world (weights/coinrun) from its default prompt for seed 5 (prompts/, one
    /// of its held-out level starts), which frame 0 must reconstruct.
    func testShippedCoinRunWorldMakesItsRecordedRollout() throws {
        try checkRecordedRollout(weights: "weights/coinrun", golden: "Tests/GenieCLITests/Golden/coinrun")
        let prompt = try PNG.read(Self.repository.appendingPathComponent("weights/coinrun/prompts/level_900005.png").path)
        let frame0 = try PNG.read(Self.repository.appendingPathComponent("Tests/GenieCLITests/Golden/coinrun/frame_00000.png").path)
        XCTAssertGreaterThan(psnr(prompt, frame0), 20, "frame 0 is the tokenizer's reconstruction of the seed's prompt")
    }

    /// A session made with one BLAS thread replays byte for byte in a process whose default
    /// is more (two on a 2-core machine, where the shipped world's frames then differ in
    /// their last bits and soon in their sampled tokens): the trace carries the thread count
    /// and replay runs with it. A trace from another kernel replays with a note.
    func testTraceMadeWithOneBLASThreadReplaysExactly() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("genie-numerics-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        var (status, output) = try GenieExecutable.run(["generate", "--weights", Self.repository.appendingPathComponent("weights").path,
                                                        "--actions", "right,right,jump,noop,noop,left,right,right,right,jump,noop,noop",
                                                        "--seed", "7", "--out", out + "/made"], environment: environment)
        XCTAssertEqual(status, 0, output)
        var trace = try Trace.load(out + "/made")
        XCTAssertEqual(trace.numerics?.blasThreads, 1)
        environment.removeValue(forKey: "OPENBLAS_NUM_THREADS")
        (status, output) = try GenieExecutable.run(["replay", out + "/made/trace.json", "--out", out + "/replayed"], environment: environment)
        XCTAssertEqual(status, 0, output)
        XCTAssertFalse(output.contains("note:"), output)
        for t in 0...12 {
            let name = String(format: "/frame_%05d.png", t)
            XCTAssertEqual(FileManager.default.contents(atPath: out + "/replayed" + name), FileManager.default.contents(atPath: out + "/made" + name),
                           "frame \(t) replays byte for byte")
        }
        trace.numerics?.blasKernel = "Prescott"
        try trace.write(to: out + "/made/trace.json")
        (status, output) = try GenieExecutable.run(["replay", out + "/made/trace.json", "--out", out + "/other-kernel"], environment: environment)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("recorded with the OpenBLAS Prescott kernel"), output)
    }

    /// `genie generate` with the weights in `weights` (relative to the repository) makes the
    /// frames recorded in `golden`: a seeded, greedy rollout of right, right, jump, noop, noop, left.
    func checkRecordedRollout(weights: String, golden goldenFolder: String) throws {
        let golden = Self.repository.appendingPathComponent(goldenFolder).path
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("genie-golden-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (status, output) = try GenieExecutable.run(["generate", "--weights", Self.repository.appendingPathComponent(weights).path,
                                                        "--actions", "right,right,jump,noop,noop,left", "--seed", "5",
                                                        "--temperature", "0", "--out", out])
        XCTAssertEqual(status, 0, output)
        for t in 0...6 {
            let name = String(format: "/frame_%05d.png", t)
            let expected = try PNG.read(golden + name), made = try PNG.read(out + name)
            XCTAssertEqual([made.width, made.height], [64, 64])
            let meanDifference = zip(expected.pixels, made.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) } / expected.pixels.count
            XCTAssertLessThan(meanDifference, 3, "\(weights): frame \(t) drifted from the recorded rollout")
        }
        // The rollout moves: the jump and the scrolling change the frames.
        XCTAssertNotEqual(try PNG.read(golden + "/frame_00000.png"), try PNG.read(golden + "/frame_00006.png"))
    }
}

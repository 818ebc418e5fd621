import Foundation
import XCTest
import GenieMedia

/// The shipped world in weights/ against frames it made when it was committed: a seeded,
/// greedy (temperature 0) rollout from the simulator's start frame, right, right, jump,
/// noop, noop, left. Guards the whole inference path (weights, tokenizer, cached dynamics,
/// MaskGIT, decoder) against silent changes. A rare flip of one token between BLAS kernels
/// changes one patch, not a frame, so frames may differ by a small mean, never wholesale.
final class GoldenWorldTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testShippedWorldMakesItsRecordedRollout() throws {
        let golden = Self.repository.appendingPathComponent("Tests/GenieCLITests/Golden").path
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("genie-golden-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (status, output) = try GenieExecutable.run(["generate", "--weights", Self.repository.appendingPathComponent("weights").path,
                                                        "--actions", "right,right,jump,noop,noop,left", "--seed", "5",
                                                        "--temperature", "0", "--out", out])
        XCTAssertEqual(status, 0, output)
        for t in 0...6 {
            let name = String(format: "/frame_%05d.png", t)
            let expected = try PNG.read(golden + name), made = try PNG.read(out + name)
            XCTAssertEqual([made.width, made.height], [64, 64])
            let meanDifference = zip(expected.pixels, made.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) } / expected.pixels.count
            XCTAssertLessThan(meanDifference, 3, "frame \(t) drifted from the recorded rollout")
        }
        // The rollout moves: the jump and the scrolling change the frames.
        XCTAssertNotEqual(try PNG.read(golden + "/frame_00000.png"), try PNG.read(golden + "/frame_00003.png"))
    }
}

import Foundation
import GenieMedia
import XCTest

/// Every damaged trace of `TraceCorpus` gives a clean `TraceError`, or decodes to a trace
/// that keeps every promise `validate` makes, never a crash or a hang.
final class TraceFuzzTests: XCTestCase {
    /// What replay relies on, checked independently of `validate`.
    func assertSound(_ trace: Trace, _ label: String) {
        XCTAssertEqual(trace.format, Trace.formatName, label)
        XCTAssertEqual(trace.version, Trace.currentVersion, label)
        XCTAssertFalse(trace.world.kind.isEmpty, label)
        if let seed = trace.world.identity["seed"] { XCTAssertEqual(seed, String(trace.seed), label) }
        XCTAssertTrue((1...4096).contains(trace.frame.width) && (1...4096).contains(trace.frame.height), label)
        XCTAssertTrue((1...8).contains(trace.actionNames.count), label)
        XCTAssertTrue(trace.settings.fps > 0 && trace.settings.fps <= Trace.maximumFPS, label)
        XCTAssertTrue(trace.steps.allSatisfy { trace.actionNames.indices.contains($0.action) && $0.time >= 0 && $0.time <= Trace.maximumSeconds }, label)
        XCTAssertTrue(zip(trace.steps, trace.steps.dropFirst()).allSatisfy { $0.time <= $1.time }, label)
        XCTAssertTrue(trace.recordedFrames.allSatisfy { $0.count == 2 && 0 <= $0[0] && $0[0] <= $0[1] && $0[1] < trace.frameCount }, label)
        XCTAssertEqual(try? Trace.decode(try trace.encoded()), trace, "\(label): round trip")
    }

    func testDamagedTracesFailCleanlyOrKeepEveryPromise() throws {
        let cases = try TraceCorpus.fieldCases() + (try TraceCorpus.byteCases(seed: 16, count: 3000))
        var errors = 0, sound = 0
        let start = Date()
        for (label, data) in cases {
            do {
                assertSound(try Trace.decode(data, name: "t.json"), label)
                sound += 1
            } catch let error as TraceError {
                errors += 1
                XCTAssertFalse(error.description.contains("\n"), "\(label): \(error)")
            }
        }
        XCTAssertGreaterThan(try TraceCorpus.fieldCases().count, 236)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
        print("trace fuzz: \(cases.count) cases, \(errors) clean errors, \(sound) valid traces, 0 crashes")
    }

    func testSeedThatDisagreesWithTheWorldIdentityIsRefused() throws {
        var trace = TraceCorpus.valid()
        trace.seed = 8
        XCTAssertThrowsError(try Trace.decode(try trace.encoded(), name: "t.json")) { error in
            XCTAssertEqual(error as? TraceError, .invalidValue("t.json", field: "seed", reason: "8 disagrees with the world identity's seed \"3\""))
        }
    }

    func testRecordedFramesAreFoundInLogarithmicTime() throws {
        var trace = TraceCorpus.valid()
        let frames = 400_000
        trace.steps = Array(repeating: trace.steps[0], count: frames - 1)
        // Every other frame recorded: 200 000 ranges, each looked up for every frame.
        trace.recordedFrames = stride(from: 0, to: frames, by: 2).map { [$0, $0] }
        let start = Date()
        var recorded = 0
        for i in 0..<frames where trace.wasRecorded(i) { recorded += 1 }
        XCTAssertEqual(recorded, frames / 2)
        XCTAssertFalse(trace.wasRecorded(frames))
        XCTAssertEqual(trace.lastRecordedFrame, frames - 2)
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        // Agrees with the plain definition on irregular ranges.
        trace.recordedFrames = [[0, 0], [3, 9], [11, 11], [20, 40]]
        for i in 0..<50 {
            XCTAssertEqual(trace.wasRecorded(i), trace.recordedFrames.contains { $0[0] <= i && i <= $0[1] }, "frame \(i)")
        }
    }

    func testReplayThroughTheLastRecordedFrameStepsNoFurther() throws {
        let world = FakeWorld(seed: 7)
        var trace = Trace(world: .init(kind: world.kind, identity: world.identity), frame: .init(width: 16, height: 8), seed: 7,
                          actionNames: Control.all, settings: .init(fps: 10, mode: "step"))
        trace.steps = (0..<100_000).map { .init(action: $0 % 3, control: "c", key: "k", time: 0) }
        trace.recordedFrames = [[0, 2], [5, 6]]
        var seen: [Int] = []
        try trace.replay(on: world, through: trace.lastRecordedFrame) { index, _ in seen.append(index); return true }
        XCTAssertEqual(seen, Array(0...6), "frames 0 to 6 only: the 99 994 steps after them are not run")
        seen = []
        try trace.replay(on: FakeWorld(seed: 7), through: 0) { index, _ in seen.append(index); return true }
        XCTAssertEqual(seen, [0])
    }

    /// With GENIE_FUZZ_CORPUS=DIR: writes DIR/traces/case_NNNN/trace.json for
    /// Tests/Fuzz/run_corpus.sh, and cases.tsv: number, what decoding does (loads or
    /// refuses), mutation.
    func testExportCorpusWhenAsked() throws {
        guard let root = ProcessInfo.processInfo.environment["GENIE_FUZZ_CORPUS"] else { throw XCTSkip("set GENIE_FUZZ_CORPUS=DIR to export") }
        var table = ""
        let cases = try TraceCorpus.fieldCases() + (try TraceCorpus.byteCases(seed: 16, count: 300))
        for (i, (label, data)) in cases.enumerated() {
            let folder = root + String(format: "/traces/case_%04d", i)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: folder + "/trace.json"))
            let loads = (try? Trace.decode(data)) != nil
            table += "\(i)\t\(loads ? "loads" : "refuses")\t\(label)\n"
        }
        try table.write(toFile: root + "/traces/cases.tsv", atomically: true, encoding: .utf8)
    }
}

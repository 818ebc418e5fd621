import Foundation
import GenieMedia
import XCTest
@testable import GenieTerminal

/// A session recorded through `SessionRecorder` replays to the same PNG bytes.
final class ReplayTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("genie-replay-\(UUID())").path
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    /// Plays `actions` on a fresh FakeWorld the way PlaySession does, recording frames whose
    /// index is in `recordWhile`; returns the recorder.
    func record(_ actions: [Int], seed: UInt64, recordWhile: (Int) -> Bool) throws -> SessionRecorder {
        let world = FakeWorld(seed: seed)
        try SessionRecorder.prepare(directory: directory)
        let recorder = SessionRecorder(trace: Trace(
            world: .init(kind: world.kind, identity: world.identity), frame: .init(width: 16, height: 8), seed: seed,
            actionNames: Control.all, settings: .init(fps: 10, mode: "step")))
        recorder.flushEvery = 4
        var frame = try world.reset(seed: seed)
        if recordWhile(0) { try recorder.start(directory: directory) }
        try recorder.frameShown(0, frame)
        for (i, action) in actions.enumerated() {
            frame = try world.step(action)
            recorder.stepTaken(.init(action: action, control: Control.all[action], key: "test", time: Double(i) * 0.1))
            let index = i + 1
            if recordWhile(index) != recorder.isRecording {
                if recorder.isRecording { try recorder.stop() } else { try recorder.start(directory: directory) }
            }
            try recorder.frameShown(index, frame)
        }
        try recorder.flush()
        return recorder
    }

    func pngFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".png") }.sorted()
    }

    func testReplayEqualsRecordingByteForByte() throws {
        let actions = [2, 2, 5, 0, 1, 4, 3, 2, 2, 2, 0, 1]
        _ = try record(actions, seed: 3) { _ in true }
        XCTAssertEqual(try pngFiles().count, actions.count + 1)
        XCTAssertEqual(try pngFiles().first, "frame_00000.png")

        let trace = try Trace.load(directory)
        XCTAssertEqual(trace.steps.map(\.action), actions)
        XCTAssertEqual(trace.recordedFrames, [[0, actions.count]])
        var compared = 0
        try trace.replay(on: FakeWorld(seed: 3)) { index, frame in
            let recorded = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + Trace.frameFileName(index)))
            XCTAssertEqual(try PNG.encode(frame), recorded, "frame \(index)")
            compared += 1
            return true
        }
        XCTAssertEqual(compared, actions.count + 1)
    }

    func testTogglingRecordingKeepsEveryStepAndNumbersFramesBySessionIndex() throws {
        let actions = [2, 2, 2, 2, 2, 1, 1, 1, 3]
        _ = try record(actions, seed: 5) { $0 < 3 || $0 >= 6 }
        XCTAssertEqual(try pngFiles(), ["frame_00000.png", "frame_00001.png", "frame_00002.png",
                                        "frame_00006.png", "frame_00007.png", "frame_00008.png", "frame_00009.png"])
        let trace = try Trace.load(directory + "/trace.json")
        XCTAssertEqual(trace.steps.count, actions.count)
        XCTAssertEqual(trace.recordedFrames, [[0, 2], [6, 9]])
        try trace.replay(on: FakeWorld(seed: 5)) { index, frame in
            if trace.wasRecorded(index) {
                let recorded = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + Trace.frameFileName(index)))
                XCTAssertEqual(try PNG.encode(frame), recorded, "frame \(index)")
            }
            return true
        }
    }

    func testReplayRefusesADifferentWorld() throws {
        _ = try record([2, 2], seed: 3) { _ in true }
        let trace = try Trace.load(directory)
        XCTAssertThrowsError(try trace.replay(on: FakeWorld(seed: 4)) { _, _ in true }) { error in
            guard case .worldMismatch? = error as? TraceError else { return XCTFail("\(error)") }
        }
    }

    func testRecorderRefusesAFolderWithARecording() throws {
        _ = try record([2], seed: 3) { _ in true }
        XCTAssertThrowsError(try SessionRecorder.prepare(directory: directory)) { error in
            XCTAssertTrue("\(error)".contains("already holds a recording"), "\(error)")
        }
    }
}

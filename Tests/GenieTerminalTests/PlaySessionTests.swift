import Foundation
import GenieMedia
import XCTest
@testable import GenieTerminal

/// Play on a pseudo-terminal: keys typed while a frame is being made are all read before the
/// next frame, so a slow world drops frames instead of working through a queue of old key
/// presses.
final class PlaySessionTests: XCTestCase {
    /// FakeWorld, with hooks on reset and on every step (to type keys at known moments).
    final class HookedWorld: World {
        let inner = FakeWorld(seed: 1)
        var onReset: () -> Void = {}
        var onStep: (Int) -> Void = { _ in }
        private var steps = 0
        var kind: String { inner.kind }
        var identity: [String: String] { inner.identity }
        var frameWidth: Int { inner.frameWidth }
        var frameHeight: Int { inner.frameHeight }
        var actionCount: Int { inner.actionCount }
        func actionName(_ index: Int) -> String { inner.actionName(index) }
        func action(forControl control: String) -> Int? { inner.action(forControl: control) }
        func reset(seed: UInt64) throws -> Frame { defer { onReset() }; return try inner.reset(seed: seed) }
        func step(_ action: Int) throws -> Frame {
            steps += 1
            defer { onStep(steps) }
            return try inner.step(action)
        }
    }

    func testKeysTypedDuringAFrameAreAnsweredByOneFrameNotQueued() throws {
        var size = winsize(ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0)
        var master: Int32 = -1, slave: Int32 = -1
        XCTAssertEqual(openpty(&master, &slave, nil, nil, &size), 0)
        defer { close(master) }
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        let drain = { var b = [UInt8](repeating: 0, count: 1 << 16); while read(master, &b, b.count) > 0 {} }
        let type = { (text: String) in _ = text.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress, text.utf8.count) } }

        let world = HookedWorld()
        // Step mode: "d" (right) makes frame 1; while it is being made four more presses arrive,
        // as a held key's repeats do on a slow machine; while frame 2 is made, q.
        world.onReset = { type("d") }
        world.onStep = { n in drain(); type(n == 1 ? "dddd" : "q") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("genie-play-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try SessionRecorder.prepare(directory: directory)
        let output = fdopen(slave, "w")!, input = fdopen(dup(slave), "r")!
        defer { fclose(output); fclose(input) }
        let session = PlaySession(world: world, settings: PlaySettings(stepMode: true, seed: 1, recordDirectory: directory))
        let status = try session.run { try Screen(terminalNames: ["xterm-256color"], output: output, input: input) }
        XCTAssertEqual(status, 0)
        let trace = try Trace.load(directory + "/trace.json")
        XCTAssertEqual(trace.steps.map(\.control), ["right", "right"],
                       "one frame answers the four presses that came during frame 1, not four frames")
    }
}

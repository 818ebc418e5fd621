import XCTest
@testable import GenieTerminal

final class LayoutTests: XCTestCase {
    func layout(_ columns: Int, _ rows: Int, maxScale: Int? = nil) -> Layout {
        Layout.compute(frameWidth: 64, frameHeight: 64, terminalColumns: columns, terminalRows: rows, maxScale: maxScale)
    }

    func testTmuxSizeFitsScale1Centred() {
        XCTAssertEqual(layout(140, 45), .fits(scale: 1, originX: 38, originY: 6, columns: 64, rows: 32, hudRow: 38))
    }

    func testExactMinimum() {
        XCTAssertEqual(layout(64, 33), .fits(scale: 1, originX: 0, originY: 0, columns: 64, rows: 32, hudRow: 32))
    }

    func testLargerTerminalsScaleUp() {
        XCTAssertEqual(layout(128, 65), .fits(scale: 2, originX: 0, originY: 0, columns: 128, rows: 64, hudRow: 64))
        XCTAssertEqual(layout(200, 80), .fits(scale: 2, originX: 36, originY: 7, columns: 128, rows: 64, hudRow: 71))
        // Width limits: 300 columns allow scale 4 (256), height 200 would allow 6.
        if case let .fits(scale, _, _, _, _, _) = layout(300, 200) { XCTAssertEqual(scale, 4) } else { XCTFail() }
        // Height limits: 97 rows = 96 + HUD allow scale 3.
        if case let .fits(scale, _, _, _, _, _) = layout(1000, 97) { XCTAssertEqual(scale, 3) } else { XCTFail() }
    }

    func testMaxScaleCaps() {
        if case let .fits(scale, _, _, _, _, _) = layout(300, 200, maxScale: 2) { XCTAssertEqual(scale, 2) } else { XCTFail() }
    }

    func testTooSmall() {
        XCTAssertEqual(layout(63, 45), .tooSmall(needColumns: 64, needRows: 33, haveColumns: 63, haveRows: 45))
        XCTAssertEqual(layout(80, 32), .tooSmall(needColumns: 64, needRows: 33, haveColumns: 80, haveRows: 32))
        XCTAssertEqual(layout(0, 0), .tooSmall(needColumns: 64, needRows: 33, haveColumns: 0, haveRows: 0))
        let message = layout(80, 24).tooSmallMessage ?? ""
        XCTAssertTrue(message.contains("too small"), message)
        XCTAssertTrue(message.contains("64x33"), message)
        XCTAssertTrue(message.contains("80x24"), message)
        XCTAssertNil(layout(140, 45).tooSmallMessage)
    }
}

final class HUDAndTerminalChoiceTests: XCTestCase {
    func testHUDLine() {
        let hud = HUD(step: 42, fps: 9.96, actionName: "right+jump", recording: true, paused: true, mode: "step mode", help: "q quit")
        let line = hud.line(width: 200)
        for part in ["step 42", "10.0 fps", "right+jump", "step mode", "PAUSED", "● REC", "q quit"] {
            XCTAssertTrue(line.contains(part), "\(part) in \(line)")
        }
        XCTAssertFalse(HUD(recording: false).line(width: 200).contains("REC"))
        XCTAssertEqual(hud.line(width: 10).count, 10)
    }

    func testTerminalCandidates() {
        let exists: (String) -> Bool = { $0 == "xterm-direct" || $0 == "tmux-direct" }
        XCTAssertEqual(TerminalChoice.candidates(term: "xterm-256color", colorTerm: "truecolor", entryExists: exists),
                       ["xterm-direct", "xterm-256color"])
        XCTAssertEqual(TerminalChoice.candidates(term: "tmux-256color", colorTerm: "24bit", entryExists: exists),
                       ["tmux-direct", "xterm-direct", "tmux-256color"])
        XCTAssertEqual(TerminalChoice.candidates(term: "xterm-256color", colorTerm: nil, entryExists: exists),
                       ["xterm-256color"])
        XCTAssertEqual(TerminalChoice.candidates(term: "xterm-256color", colorTerm: "truecolor", entryExists: { _ in false }),
                       ["xterm-256color"])
        XCTAssertEqual(TerminalChoice.candidates(term: "xterm-direct", colorTerm: "truecolor", entryExists: exists),
                       ["xterm-direct"])
    }
}

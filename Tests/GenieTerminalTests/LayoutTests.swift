import XCTest
@testable import GenieTerminal

final class LayoutTests: XCTestCase {
    func layout(_ columns: Int, _ rows: Int, maxScale: Int? = nil) -> Layout {
        Layout.compute(frameWidth: 64, frameHeight: 64, terminalColumns: columns, terminalRows: rows, maxScale: maxScale)
    }

    func testTmuxSizeFitsScale1Centred() {
        XCTAssertEqual(layout(140, 45), .fits(scale: 1, originX: 38, originY: 6, columns: 64, rows: 32, hudRow: 38))
    }

    func testExactNativeSize() {
        XCTAssertEqual(layout(64, 33), .fits(scale: 1, originX: 0, originY: 0, columns: 64, rows: 32, hudRow: 32))
    }

    func testLargerTerminalsScaleUpByIntegers() {
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

    func testSmallTerminalsShrinkThePicture() {
        // 80x24: 23 rows above the HUD hold a square picture of 46 columns.
        XCTAssertEqual(layout(80, 24), .fits(scale: 46.0 / 64, originX: 17, originY: 0, columns: 46, rows: 23, hudRow: 23))
        XCTAssertTrue(layout(80, 24).isShrunk)
        XCTAssertEqual(layout(40, 12), .fits(scale: 22.0 / 64, originX: 9, originY: 0, columns: 22, rows: 11, hudRow: 11))
        // Narrow and tall: the width limits.
        XCTAssertEqual(layout(40, 50), .fits(scale: 40.0 / 64, originX: 0, originY: 14, columns: 40, rows: 20, hudRow: 34))
        XCTAssertFalse(layout(140, 45).isShrunk)
    }

    func testEverySizeFromTheMinimumFitsAndKeepsTheAspect() {
        for columns in stride(from: 40, through: 220, by: 3) {
            for rows in stride(from: 12, through: 90, by: 2) {
                guard case let .fits(_, x, y, c, r, hud) = layout(columns, rows) else {
                    return XCTFail("\(columns)x\(rows) should fit")
                }
                XCTAssertGreaterThanOrEqual(x, 0); XCTAssertGreaterThanOrEqual(y, 0)
                XCTAssertLessThanOrEqual(x + c, columns, "\(columns)x\(rows)")
                XCTAssertEqual(hud, y + r)
                XCTAssertLessThan(hud, rows, "the HUD row is on screen at \(columns)x\(rows)")
                XCTAssertLessThanOrEqual(abs(c - 2 * r), 1, "square picture (a cell is half as wide as tall) at \(columns)x\(rows)")
            }
        }
    }

    func testTooSmall() {
        XCTAssertEqual(layout(39, 45), .tooSmall(needColumns: 40, needRows: 12, haveColumns: 39, haveRows: 45))
        XCTAssertEqual(layout(80, 11), .tooSmall(needColumns: 40, needRows: 12, haveColumns: 80, haveRows: 11))
        XCTAssertEqual(layout(0, 0), .tooSmall(needColumns: 40, needRows: 12, haveColumns: 0, haveRows: 0))
        let message = layout(30, 10).tooSmallMessage ?? ""
        XCTAssertTrue(message.contains("too small"), message)
        XCTAssertTrue(message.contains("40x12"), message)
        XCTAssertTrue(message.contains("30x10"), message)
        XCTAssertNil(layout(80, 24).tooSmallMessage)
    }

    func testGlyphsFollowTheScaleUnlessAsked() {
        XCTAssertEqual(FrameView.glyphs(for: layout(80, 24), colorMode: .palette256, request: nil), .quadrant)
        XCTAssertEqual(FrameView.glyphs(for: layout(140, 45), colorMode: .palette256, request: nil), .half)
        XCTAssertEqual(FrameView.glyphs(for: layout(80, 24), colorMode: .direct, request: .sextant), .sextant)
        XCTAssertEqual(FrameView.glyphs(for: layout(80, 24), colorMode: .monochrome, request: .quadrant), .half)
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
    }

    func testHUDFitsEveryWidthAndAlwaysEndsInQuit() {
        let hud = HUD(step: 12345, fps: 7.3, actionName: "right+jump", recording: true, paused: true, mode: "step mode")
        for width in 8...240 {
            let line = hud.line(width: width)
            XCTAssertLessThanOrEqual(line.count, width, "width \(width): \(line)")
            XCTAssertTrue(line.hasSuffix("q quit"), "width \(width): \(line)")
        }
        // Wide: the full help; 140 columns (the status is long): the compact help, whole.
        XCTAssertTrue(hud.line(width: 200).hasSuffix(KeyMap.help))
        XCTAssertTrue(hud.line(width: 140).hasSuffix(KeyMap.compactHelp), hud.line(width: 140))
        XCTAssertTrue(hud.line(width: 79).contains("step 12345"), hud.line(width: 79))
        XCTAssertTrue(hud.line(width: 79).contains("●REC"), hud.line(width: 79))
        XCTAssertEqual(HUD(help: "").line(width: 200), "step 0 │ 0.0 fps │ -")
        // 40 columns (39 usable): the mode goes first, the step and the recording stay.
        XCTAssertEqual(HUD(step: 25, fps: 1.9, actionName: "noop", recording: true, mode: "step mode").line(width: 39),
                       "step 25│1.9 fps│noop│●REC│q quit")
    }

    func testTerminalCandidates() {
        let exists: (String) -> Bool = { $0 == "xterm-direct" || $0 == "tmux-direct" || $0 == "xterm-256color" }
        let noFlags: (String, String) -> Bool = { _, _ in false }
        func candidates(_ term: String?, _ colorTerm: String? = nil, tmuxRGB: Bool? = nil, noColor: Bool = false,
                        request: ColorRequest = .auto, flags: @escaping (String, String) -> Bool = noFlags) -> [String] {
            TerminalChoice.candidates(.init(term: term, colorTerm: colorTerm, noColor: noColor, tmuxClientRGB: tmuxRGB),
                                      request: request, entryExists: exists, entryFlag: flags)
        }
        XCTAssertEqual(candidates("xterm-256color", "truecolor"), ["xterm-direct", "xterm-256color"])
        XCTAssertEqual(candidates("tmux-256color", "24bit"), ["tmux-direct", "xterm-direct", "tmux-256color"])
        XCTAssertEqual(candidates("xterm-256color"), ["xterm-256color"])
        XCTAssertEqual(candidates("xterm-direct", "truecolor"), ["xterm-direct"])
        // Beyond COLORTERM: tmux's client features, and TERM's own RGB or Tc flag.
        XCTAssertEqual(candidates("tmux-256color", tmuxRGB: true), ["tmux-direct", "xterm-direct", "tmux-256color"])
        XCTAssertEqual(candidates("tmux-256color", tmuxRGB: false), ["tmux-256color"])
        XCTAssertEqual(candidates("xterm-kitty", flags: { $0 == "xterm-kitty" && $1 == "Tc" }), ["xterm-direct", "xterm-kitty"])
        // NO_COLOR and explicit requests.
        XCTAssertEqual(candidates("xterm-256color", "truecolor", noColor: true), ["xterm-256color"])
        XCTAssertEqual(candidates("xterm-256color", request: .truecolor), ["xterm-direct", "xterm-256color"])
        XCTAssertEqual(candidates("xterm", request: .c256), ["xterm-256color", "xterm"])
    }

    func testColorModeFromRequestAndTerminal() {
        func mode(_ request: ColorRequest, noColor: Bool = false, colors: Int, rgb: Bool = false) -> ColorMode {
            TerminalChoice.colorMode(request: request, noColor: noColor, colors: colors, hasRGB: rgb)
        }
        XCTAssertEqual(mode(.auto, colors: 0x1000000, rgb: true), .direct)
        XCTAssertEqual(mode(.auto, colors: 256), .palette256)
        XCTAssertEqual(mode(.auto, colors: 16), .ansi16)
        XCTAssertEqual(mode(.auto, colors: 8), .ansi8)
        XCTAssertEqual(mode(.auto, colors: 0), .monochrome, "xterm-mono, vt100")
        XCTAssertEqual(mode(.auto, noColor: true, colors: 256), .monochrome, "NO_COLOR")
        XCTAssertEqual(mode(.truecolor, noColor: true, colors: 256), .palette256, "asked for colour, the terminal has 256")
        XCTAssertEqual(mode(.c256, colors: 0x1000000, rgb: true), .palette256)
        XCTAssertEqual(mode(.c16, colors: 256), .ansi16)
        XCTAssertEqual(mode(.c16, colors: 8), .ansi8)
        XCTAssertEqual(mode(.none, colors: 256), .monochrome)
    }
}

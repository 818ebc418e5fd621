import Foundation
import GenieMedia
import XCTest
@testable import GenieTerminal

/// The ncurses side, driven on a pseudo-terminal: what reaches the terminal is half-blocks
/// in the expected colours, and an unchanged frame sends no picture cells again.
final class PseudoTerminalTests: XCTestCase {
    /// Opens a screen on a fresh pty of `columns`x`rows`, runs `body`, closes the screen and
    /// returns everything the terminal received.
    func terminalOutput(columns: Int, rows: Int, mode: ColorMode, terminal: String? = nil, _ body: (Screen, _ newOutput: () -> String) throws -> Void) throws -> String {
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        var master: Int32 = -1, slave: Int32 = -1
        XCTAssertEqual(openpty(&master, &slave, nil, nil, &size), 0)
        defer { close(master) }
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        var received = [UInt8]()
        func drain() {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                received += buffer[0..<n]
            }
        }
        let output = fdopen(slave, "w")!, input = fdopen(dup(slave), "r")!
        let name = terminal ?? (mode == .direct ? "xterm-direct" : "xterm-256color")
        let screen = try Screen(terminalNames: [name], output: output, input: input)
        XCTAssertEqual(screen.colorMode, mode)
        var seen = 0
        try body(screen) {
            drain()
            defer { seen = received.count }
            return String(decoding: received[seen...], as: UTF8.self)
        }
        drain()
        screen.close()
        drain()
        fclose(output); fclose(input)
        return String(decoding: received, as: UTF8.self)
    }

    func testPaletteModeDrawsHalfBlocksWithPaletteColours() throws {
        var frame = Frame(width: 8, height: 8, fill: RGB(255, 0, 0))
        for x in 0..<8 { frame[x, 1] = RGB(0, 0, 255) }
        let text = try terminalOutput(columns: 40, rows: 12, mode: .palette256) { screen, _ in
            XCTAssertEqual(screen.size.columns, 40)
            let view = FrameView(screen: screen, frameWidth: 8, frameHeight: 8, maxScale: 1)
            view.show(frame)
        }
        XCTAssertGreaterThanOrEqual(text.filter { $0 == "▀" }.count, 32, "8x4 cells of half-blocks")
        XCTAssertTrue(text.contains("38;5;196"), "red foreground")
        XCTAssertTrue(text.contains("48;5;21"), "blue background of the first row")
        XCTAssertTrue(text.contains("step 0"), "HUD")
    }

    func testDirectModeSendsRGB() throws {
        let frame = Frame(width: 8, height: 8, fill: RGB(18, 52, 86))
        let text = try terminalOutput(columns: 40, rows: 12, mode: .direct) { screen, _ in
            FrameView(screen: screen, frameWidth: 8, frameHeight: 8).show(frame)
        }
        XCTAssertTrue(text.contains("38:2::18:52:86") || text.contains("38;2;18;52;86"), "24-bit foreground")
    }

    func testUnchangedFrameSendsNoCells() throws {
        let frame = Frame(width: 8, height: 8, fill: RGB(0, 200, 0))
        _ = try terminalOutput(columns: 40, rows: 12, mode: .palette256) { screen, newOutput in
            let view = FrameView(screen: screen, frameWidth: 8, frameHeight: 8, maxScale: 1)
            view.show(frame)
            XCTAssertEqual(newOutput().filter { $0 == "▀" }.count, 32)
            view.show(frame)
            XCTAssertEqual(newOutput().filter { $0 == "▀" }.count, 0, "an unchanged frame sends no cells")
            var changed = frame
            changed[3, 2] = RGB(255, 255, 255)
            view.show(changed)
            XCTAssertEqual(newOutput().filter { $0 == "▀" }.count, 1, "one changed pixel sends one cell")
        }
    }

    func testTooSmallTerminalShowsMessage() throws {
        let text = try terminalOutput(columns: 40, rows: 10, mode: .palette256) { screen, _ in
            let view = FrameView(screen: screen, frameWidth: 64, frameHeight: 64)
            XCTAssertTrue(view.isTooSmall)
            view.show(Frame(width: 64, height: 64))
        }
        XCTAssertTrue(text.contains("too small"), text)
        XCTAssertFalse(text.contains("▀"))
    }

    func testMonochromeTerminalDrawsCharactersWithoutColour() throws {
        var frame = Frame(width: 8, height: 8, fill: RGB(0, 0, 0))
        for y in 0..<8 { frame[0, y] = RGB(255, 255, 255) }
        let text = try terminalOutput(columns: 40, rows: 12, mode: .monochrome, terminal: "xterm-mono") { screen, _ in
            FrameView(screen: screen, frameWidth: 8, frameHeight: 8, maxScale: 1).show(frame)
        }
        XCTAssertEqual(text.components(separatedBy: "@").count - 1, 4, "the white column: four cells of @")
        XCTAssertFalse(text.contains("38;5;") || text.contains("48;5;") || text.contains("▀"), "no colours, no blocks")
        XCTAssertTrue(text.contains("step 0"), "HUD")
    }

    func testTerminalWithoutCursorAddressingIsRefusedAndLeftAsItWas() throws {
        var size = winsize(ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0)
        var master: Int32 = -1, slave: Int32 = -1
        XCTAssertEqual(openpty(&master, &slave, nil, nil, &size), 0)
        defer { close(master) }
        let output = fdopen(slave, "w")!, input = fdopen(dup(slave), "r")!
        defer { fclose(output); fclose(input) }
        XCTAssertThrowsError(try Screen(terminalNames: ["dumb"], output: output, input: input)) { error in
            XCTAssertEqual(error as? ScreenError, .cannotAddressCursor("dumb"))
            XCTAssertTrue("\(error)".contains("cannot move the cursor"), "\(error)")
        }
    }

    func testShrunkPictureUsesQuadrants() throws {
        // 64x64 on 80x24: 46x23 cells, two subpixels across each.
        var frame = Frame(width: 64, height: 64, fill: RGB(0, 0, 255))
        for y in 0..<64 { for x in 0..<31 { frame[x, y] = RGB(255, 0, 0) } }
        let text = try terminalOutput(columns: 80, rows: 24, mode: .palette256) { screen, _ in
            let view = FrameView(screen: screen, frameWidth: 64, frameHeight: 64)
            XCTAssertEqual(view.glyphs, .quadrant)
            view.show(frame)
        }
        XCTAssertEqual(text.filter { $0 == "▀" }.count, 45 * 23, "flat cells")
        XCTAssertEqual(text.filter { $0 == "▌" }.count, 23, "the red/blue edge falls inside one column of cells")
        XCTAssertTrue(text.contains("q quit"), "HUD")
    }
}

import CNCurses
import Foundation
import GenieMedia

/// Why the screen could not be opened.
public enum ScreenError: Error, CustomStringConvertible, Equatable {
    case notATerminal(String)
    case cannotOpen(String)
    /// The terminal cannot move its cursor (TERM=dumb and the like): no picture is possible.
    case cannotAddressCursor(String)

    public var description: String {
        switch self {
        case .notATerminal(let which):
            return "\(which) is not a terminal: genie draws its picture in a terminal. Run it in an interactive terminal (for PNGs without a terminal use `genie replay TRACE --out DIR`)."
        case .cannotOpen(let reason): return "cannot open the terminal screen: \(reason)"
        case .cannotAddressCursor(let name):
            return "the terminal type \"\(name)\" cannot move the cursor, so genie cannot draw its picture there. Run it in a full-screen terminal (TERM=xterm-256color, tmux-256color, …); `genie generate` makes PNGs without one."
        }
    }
}

/// An ncurses screen that shows block-character pictures and a HUD line.
///
/// All ncurses calls live here; what is drawn is computed by `CellPicture`, `ColorMapper`,
/// `Layout` and `HUD`. Colours go through extended colour pairs (`alloc_pair`, the pair number passed
/// through `setcchar`'s opts pointer), since `COLOR_PAIR()` stops at 256 pairs. Cells that
/// did not change since the last frame are not even handed to ncurses, and ncurses in turn
/// sends only changed cells to the terminal: no frame ever clears the screen.
public final class Screen {
    public let colorMode: ColorMode
    /// The terminfo entry the screen was opened with.
    public let terminalName: String
    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private var isOpen = true
    private var pairs: [UInt64: Int32] = [:]
    private let maxPairs: Int
    /// What each picture cell shows now, to skip unchanged cells (empty: redraw everything).
    private var shown: [TerminalCell] = []
    private var shownGeometry = (x: -1, y: -1, columns: 0, rows: 0)
    private var glyph: [wchar_t] = [0x2580, 0]
    private var pairsRanOut = false

    /// Opens the screen on the process's own terminal with the colours `request` asks for
    /// (auto: the best the terminal takes, see `TerminalChoice`). Throws `notATerminal`
    /// (before touching the terminal) when standard input or output is not a terminal.
    public static func openTerminal(request: ColorRequest = .auto) throws -> Screen {
        try requireTerminal()
        guard let output = fdopen(STDOUT_FILENO, "w"), let input = fdopen(STDIN_FILENO, "r") else {
            throw ScreenError.cannotOpen("fdopen failed")
        }
        let environment = TerminalChoice.Environment.current()
        let candidates = TerminalChoice.candidates(environment, request: request)
        return try Screen(terminalNames: candidates, output: output, input: input, request: request,
                          noColor: environment.noColor)
    }

    /// Throws `notATerminal` unless standard input and output are both terminals. Call it
    /// before any other work so that `genie play > file` fails at once with a clear message.
    public static func requireTerminal() throws {
        guard isatty(STDOUT_FILENO) == 1 else { throw ScreenError.notATerminal("standard output") }
        guard isatty(STDIN_FILENO) == 1 else { throw ScreenError.notATerminal("standard input") }
    }

    /// Opens a screen writing to `output` and reading `input` (a terminal or a pseudo-terminal),
    /// with the first of `terminalNames` that ncurses knows; `forceColorMode` overrides the
    /// choice from `request`. A terminal that cannot address its cursor is closed again and
    /// refused with `cannotAddressCursor`.
    public init(terminalNames: [String], output: UnsafeMutablePointer<FILE>, input: UnsafeMutablePointer<FILE>,
                request: ColorRequest = .auto, noColor: Bool = false, forceColorMode: ColorMode? = nil) throws {
        setlocale(LC_ALL, "")
        var opened: (OpaquePointer, String)?
        for name in terminalNames {
            if let s = newterm(name, output, input) { opened = (s, name); break }
        }
        guard let (screen, name) = opened else {
            throw ScreenError.cannotOpen("no terminfo entry for \(terminalNames.joined(separator: ", "))")
        }
        set_term(screen)
        guard genie_has_string("cup") != 0 else {
            endwin()
            delscreen(screen)
            throw ScreenError.cannotAddressCursor(name)
        }
        self.screen = screen
        self.terminalName = name
        self.window = genie_stdscr()
        genie_end_curses_on_crash()
        cbreak()      // keys arrive at once; Ctrl-C still raises SIGINT
        noecho()
        nonl()
        keypad(window, true)
        set_escdelay(25)  // Esc quits promptly instead of waiting a second for a sequence
        curs_set(0)
        leaveok(window, true)
        if has_colors() {
            start_color()
            use_default_colors()
        }
        maxPairs = Int(max(0, genie_color_pairs()))
        let available = has_colors() ? Int(genie_colors()) : 0
        colorMode = forceColorMode ?? TerminalChoice.colorMode(request: request, noColor: noColor, colors: available,
                                                               hasRGB: genie_has_rgb() != 0)
    }

    deinit { close() }

    /// The terminal size in cells.
    public var size: (columns: Int, rows: Int) {
        (Int(genie_getmaxx(window)), Int(genie_getmaxy(window)))
    }

    /// Draws `cells` (`columns` wide, row-major) with the top-left one at (`x`, `y`); cells
    /// outside the screen are cut.
    public func draw(_ cells: [TerminalCell], columns: Int, x: Int, y: Int) {
        pairsRanOut = false
        let rows = columns > 0 ? cells.count / columns : 0
        if shownGeometry != (x, y, columns, rows) {
            shown = []
            shownGeometry = (x, y, columns, rows)
        }
        let (screenColumns, screenRows) = size
        let fresh = shown.count != cells.count
        if fresh { shown = cells }
        for row in 0..<rows where y + row >= 0 && y + row < screenRows {
            for column in 0..<columns where x + column >= 0 && x + column < screenColumns {
                let i = row * columns + column
                let cell = cells[i]
                if !fresh && shown[i] == cell { continue }
                shown[i] = cell
                put(cell, x: x + column, y: y + row)
            }
        }
        if pairsRanOut {
            // The pairs were reset halfway: paint the whole picture again with fresh ones.
            shown = []
            pairsRanOut = false
            for row in 0..<rows where y + row >= 0 && y + row < screenRows {
                for column in 0..<columns where x + column >= 0 && x + column < screenColumns {
                    put(cells[row * columns + column], x: x + column, y: y + row)
                }
            }
            shown = cells
        }
    }

    private func put(_ cell: TerminalCell, x: Int, y: Int) {
        var pair: Int32 = 0
        if colorMode != .monochrome && maxPairs > 2 {
            pair = pairFor(foreground: cell.foreground, background: cell.background)
            if pair < 0 {
                // Out of pairs: start over (`draw` then repaints the whole picture).
                reset_color_pairs()
                pairs.removeAll(keepingCapacity: true)
                pairsRanOut = true
                pair = max(0, pairFor(foreground: cell.foreground, background: cell.background))
            }
        }
        glyph[0] = wchar_t(bitPattern: cell.glyph)
        _ = glyph.withUnsafeBufferPointer { p in
            genie_put_cell(window, Int32(y), Int32(x), p.baseAddress, pair, genie_a_normal())
        }
    }

    private func pairFor(foreground: Int32, background: Int32) -> Int32 {
        let key = UInt64(UInt32(bitPattern: foreground)) << 32 | UInt64(UInt32(bitPattern: background))
        if let p = pairs[key] { return p }
        guard pairs.count < maxPairs - 2 else { return -1 }
        let p = alloc_pair(foreground, background)
        if p >= 0 { pairs[key] = p }
        return p
    }

    /// Writes `text` on row `row` from column 0 and clears the rest of the row.
    public func drawLine(_ text: String, row: Int, bold: Bool = false) {
        let (columns, rows) = size
        guard row >= 0, row < rows else { return }
        let clipped = String(text.prefix(max(0, columns - 1)))
        genie_attr_set(window, bold ? genie_a_bold() : genie_a_normal(), 0)
        wmove(window, Int32(row), 0)
        waddnstr(window, clipped, -1)
        wclrtoeol(window)
        genie_attr_set(window, genie_a_normal(), 0)
    }

    /// Clears the whole screen once (after a resize, or to show a message) and forgets what
    /// the picture showed, so the next `draw` repaints every cell.
    public func clearAll() {
        werase(window)
        shown = []
    }

    /// Shows `message` alone on a cleared screen, wrapped at the terminal width.
    public func showMessage(_ message: String) {
        clearAll()
        let columns = max(1, size.columns - 1)
        var row = 0, line = ""
        for word in message.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > columns {
                drawLine(line, row: row, bold: true); row += 1; line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { drawLine(line, row: row, bold: true) }
    }

    /// Sends the changes to the terminal.
    public func refresh() { wrefresh(window) }

    /// Waits up to `milliseconds` (0: don't wait, negative: forever) for a key; nil if none came.
    public func readKey(timeoutMilliseconds milliseconds: Int) -> Int32? {
        wtimeout(window, Int32(milliseconds))
        let key = wgetch(window)
        return key == genie_err() ? nil : key
    }

    /// Restores the terminal. Safe to call more than once.
    public func close() {
        guard isOpen else { return }
        isOpen = false
        set_term(screen)
        endwin()
        delscreen(screen)
    }
}

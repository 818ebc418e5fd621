/// Where the picture and the HUD go on a terminal of a given size.
///
/// When the frame fits at its own size in half blocks (one column and half a row per pixel)
/// it is enlarged by the largest integer that fits, so pixels stay sharp; on a smaller
/// terminal it is shrunk to the largest size that fits (fractional, area-averaged). Either
/// way it keeps its aspect, sits centred above the HUD line, and the terminal may be as small
/// as `minimumColumns`×`minimumRows`.
public enum Layout: Equatable, Sendable {
    /// The picture in `columns`×`rows` cells with its top-left cell at (`originX`, `originY`),
    /// the HUD on row `hudRow`. `scale` is picture columns per frame pixel (below 1: shrunk).
    case fits(scale: Double, originX: Int, originY: Int, columns: Int, rows: Int, hudRow: Int)
    /// The terminal needs at least `needColumns`×`needRows`; it has `haveColumns`×`haveRows`.
    case tooSmall(needColumns: Int, needRows: Int, haveColumns: Int, haveRows: Int)

    /// Lines reserved below the picture for the HUD.
    public static let hudLines = 1
    /// The smallest terminal that plays.
    public static let minimumColumns = 40
    public static let minimumRows = 12

    /// The layout of a `frameWidth`×`frameHeight` frame on a `terminalColumns`×`terminalRows`
    /// terminal; `maxScale` caps the integer enlargement (nil: no cap).
    public static func compute(frameWidth: Int, frameHeight: Int, terminalColumns: Int, terminalRows: Int,
                               maxScale: Int? = nil) -> Layout {
        guard terminalColumns >= minimumColumns, terminalRows >= minimumRows else {
            return .tooSmall(needColumns: minimumColumns, needRows: minimumRows,
                             haveColumns: terminalColumns, haveRows: terminalRows)
        }
        let pictureRows = terminalRows - hudLines
        var columns: Int, rows: Int
        let (nativeColumns, nativeRows) = halfBlockSize(width: frameWidth, height: frameHeight, scale: 1)
        if nativeColumns <= terminalColumns && nativeRows <= pictureRows {
            var scale = 1
            while maxScale.map({ scale + 1 <= $0 }) ?? true {
                let (c, r) = halfBlockSize(width: frameWidth, height: frameHeight, scale: scale + 1)
                if c > terminalColumns || r > pictureRows { break }
                scale += 1
            }
            (columns, rows) = halfBlockSize(width: frameWidth, height: frameHeight, scale: scale)
        } else {
            // A cell is about half as wide as tall: `rows` rows match 2·rows·W/H columns.
            rows = min(pictureRows, terminalColumns * frameHeight / (2 * frameWidth))
            columns = min(terminalColumns, max(1, (2 * rows * frameWidth + frameHeight / 2) / frameHeight))
            rows = max(1, rows)
        }
        let originX = (terminalColumns - columns) / 2
        let originY = (pictureRows - rows) / 2
        return .fits(scale: Double(columns) / Double(frameWidth), originX: originX, originY: originY,
                     columns: columns, rows: rows, hudRow: originY + rows)
    }

    /// The number of columns and rows a `width`×`height` frame takes in half blocks at an
    /// integer `scale`: every pixel an `s`×`s` block, two pixel rows a cell.
    public static func halfBlockSize(width: Int, height: Int, scale: Int) -> (columns: Int, rows: Int) {
        (width * scale, (height * scale + 1) / 2)
    }

    /// Whether the picture is smaller than the frame (then denser glyphs recover detail).
    public var isShrunk: Bool {
        guard case let .fits(scale, _, _, _, _, _) = self else { return false }
        return scale < 1
    }

    /// The message shown instead of the picture when the terminal is too small.
    public var tooSmallMessage: String? {
        guard case let .tooSmall(nc, nr, hc, hr) = self else { return nil }
        return "Terminal too small: need at least \(nc)x\(nr), have \(hc)x\(hr). Enlarge the window (q quits)."
    }
}

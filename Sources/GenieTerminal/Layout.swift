/// Where the picture and the HUD go on a terminal of a given size.
///
/// The picture is scaled by the largest integer that fits above the HUD line and is centred
/// horizontally; a terminal that cannot hold the picture at scale 1 is `tooSmall`.
public enum Layout: Equatable, Sendable {
    /// The picture at `scale`, its top-left cell at (`originX`, `originY`), the HUD on row `hudRow`.
    case fits(scale: Int, originX: Int, originY: Int, columns: Int, rows: Int, hudRow: Int)
    /// The terminal needs at least `needColumns`×`needRows`; it has `haveColumns`×`haveRows`.
    case tooSmall(needColumns: Int, needRows: Int, haveColumns: Int, haveRows: Int)

    /// Lines reserved below the picture for the HUD.
    public static let hudLines = 1

    /// The layout of a `frameWidth`×`frameHeight` frame on a `terminalColumns`×`terminalRows`
    /// terminal; `maxScale` caps the scale (nil: no cap).
    public static func compute(frameWidth: Int, frameHeight: Int, terminalColumns: Int, terminalRows: Int,
                               maxScale: Int? = nil) -> Layout {
        let (needColumns, needImageRows) = HalfBlockGrid.size(width: frameWidth, height: frameHeight, scale: 1)
        let needRows = needImageRows + hudLines
        guard terminalColumns >= needColumns, terminalRows >= needRows else {
            return .tooSmall(needColumns: needColumns, needRows: needRows,
                             haveColumns: terminalColumns, haveRows: terminalRows)
        }
        var scale = 1
        while maxScale.map({ scale + 1 <= $0 }) ?? true {
            let (c, r) = HalfBlockGrid.size(width: frameWidth, height: frameHeight, scale: scale + 1)
            if c > terminalColumns || r + hudLines > terminalRows { break }
            scale += 1
        }
        let (columns, rows) = HalfBlockGrid.size(width: frameWidth, height: frameHeight, scale: scale)
        let originX = (terminalColumns - columns) / 2
        let originY = (terminalRows - hudLines - rows) / 2
        return .fits(scale: scale, originX: originX, originY: originY, columns: columns, rows: rows,
                     hudRow: originY + rows)
    }

    /// The message shown instead of the picture when the terminal is too small.
    public var tooSmallMessage: String? {
        guard case let .tooSmall(nc, nr, hc, hr) = self else { return nil }
        return "Terminal too small: need at least \(nc)x\(nr), have \(hc)x\(hr). Enlarge the window (q quits)."
    }
}

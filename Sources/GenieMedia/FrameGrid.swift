/// Lays frames out in a grid (rows of equally sized frames, scaled by an integer factor,
/// separated by a dark gutter): contact sheets, training samples, result figures.
public enum FrameGrid {
    public static func make(_ rows: [[Frame]], scale: Int = 1, gutter: Int = 2, background: RGB = RGB(24, 24, 24)) -> Frame {
        let first = rows.first(where: { !$0.isEmpty })?.first
        let cellW = (first?.width ?? 1) * scale, cellH = (first?.height ?? 1) * scale
        let columns = rows.map(\.count).max() ?? 0
        var sheet = Frame(width: max(1, columns * (cellW + gutter) + gutter), height: max(1, rows.count * (cellH + gutter) + gutter), fill: background)
        for (r, row) in rows.enumerated() {
            for (c, frame) in row.enumerated() {
                let x0 = gutter + c * (cellW + gutter), y0 = gutter + r * (cellH + gutter)
                for y in 0..<min(cellH, frame.height * scale) {
                    for x in 0..<min(cellW, frame.width * scale) { sheet[x0 + x, y0 + y] = frame[x / scale, y / scale] }
                }
            }
        }
        return sheet
    }
}

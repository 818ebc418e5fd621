import GenieMedia

/// One terminal cell of the half-block picture: the character U+2580 (▀) drawn with the
/// upper pixel as foreground and the lower pixel as background.
public struct HalfBlockCell: Equatable, Hashable, Sendable {
    public var top: RGB
    public var bottom: RGB
    public init(top: RGB, bottom: RGB) { self.top = top; self.bottom = bottom }
}

/// A frame turned into rows and columns of half-block cells at an integer scale.
///
/// At scale `s` every pixel becomes an `s`×`s` block; a cell holds one column and two rows of
/// those scaled pixels, so a W×H frame takes `W·s` columns and `⌈H·s/2⌉` rows. Terminal cells
/// are about twice as tall as wide, so half-blocks give square pixels.
public struct HalfBlockGrid: Equatable, Sendable {
    public let columns: Int
    public let rows: Int
    /// Row-major, `rows * columns` cells.
    public var cells: [HalfBlockCell]

    /// The cell at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> HalfBlockCell { cells[y * columns + x] }

    /// The number of columns and rows a `width`×`height` frame takes at `scale`.
    public static func size(width: Int, height: Int, scale: Int) -> (columns: Int, rows: Int) {
        (width * scale, (height * scale + 1) / 2)
    }

    /// Renders `frame` at `scale` (≥ 1). When the scaled height is odd the last row's lower
    /// half is black.
    public init(frame: Frame, scale: Int) {
        precondition(scale >= 1, "scale must be at least 1")
        let (columns, rows) = HalfBlockGrid.size(width: frame.width, height: frame.height, scale: scale)
        self.columns = columns
        self.rows = rows
        let scaledHeight = frame.height * scale
        let black = RGB(0, 0, 0)
        var cells = [HalfBlockCell](repeating: HalfBlockCell(top: black, bottom: black), count: rows * columns)
        frame.pixels.withUnsafeBufferPointer { p in
            @inline(__always) func pixel(_ x: Int, _ y: Int) -> RGB {
                let i = (y * frame.width + x) * 3
                return RGB(p[i], p[i + 1], p[i + 2])
            }
            for row in 0..<rows {
                let upper = (2 * row) / scale
                let lowerScaled = 2 * row + 1
                let lower = lowerScaled < scaledHeight ? lowerScaled / scale : -1
                for column in 0..<columns {
                    let x = column / scale
                    cells[row * columns + column] = HalfBlockCell(
                        top: pixel(x, upper), bottom: lower >= 0 ? pixel(x, lower) : black)
                }
            }
        }
        self.cells = cells
    }
}

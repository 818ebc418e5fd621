import GenieMedia

/// Which block characters make up the picture: each cell shows two colours split by a glyph,
/// and the glyph decides how many picture pixels ("subpixels") a cell holds.
public enum GlyphMode: String, Sendable, Equatable, CaseIterable {
    /// ▀ with the upper pixel as foreground and the lower as background: 1×2 pixels a cell,
    /// square pixels (a cell is about twice as tall as wide). Every font has it.
    case half
    /// Quadrant blocks (▘▝▖▗▚▞▌▐▛▜▙▟): 2×2 pixels a cell, two colours among them. Twice the
    /// horizontal detail of `half` where the picture is shrunk; every font with box drawing has them.
    case quadrant
    /// Sextant blocks (U+1FB00…, Unicode 13): 2×3 pixels a cell. The most detail, but many
    /// fonts lack the characters, so it is chosen only on request.
    case sextant

    /// Subpixels across and down one cell.
    public var subpixels: (x: Int, y: Int) {
        switch self {
        case .half: return (1, 2)
        case .quadrant: return (2, 2)
        case .sextant: return (2, 3)
        }
    }

    /// The character whose set subpixels are `mask` (bit i = subpixel i, row-major, bit 0 set).
    static func character(_ mask: Int, mode: GlyphMode) -> UInt32 {
        switch mode {
        case .half:
            return 0x2580
        case .quadrant:
            // Bits: 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right.
            let table: [Int: UInt32] = [1: 0x2598, 3: 0x2580, 5: 0x258C, 7: 0x259B, 9: 0x259A, 11: 0x259C,
                                        13: 0x2599, 15: 0x2588]
            return table[mask] ?? 0x2580
        case .sextant:
            // U+1FB00… lists masks 1…62 in order, leaving out the two that exist as halves.
            if mask == 21 { return 0x258C }  // ▌ left half
            if mask == 63 { return 0x2588 }  // █
            return 0x1FB00 + UInt32(mask - 1) - (mask > 21 ? 1 : 0) - (mask > 42 ? 1 : 0)
        }
    }
}

/// One terminal cell of the picture: `glyph` drawn in `foreground` over `background`.
public struct PictureCell: Equatable, Hashable, Sendable {
    /// A Unicode scalar: ▀ in half-block mode, a quadrant or sextant block otherwise.
    public var glyph: UInt32
    public var foreground: RGB
    public var background: RGB
    public init(glyph: UInt32 = 0x2580, foreground: RGB, background: RGB) {
        self.glyph = glyph; self.foreground = foreground; self.background = background
    }
}

/// A frame fitted into `columns`×`rows` cells of block characters.
///
/// The frame is first resampled to the cells' subpixel grid by area averaging (each target
/// pixel is the mean of the source area it covers; at an integer upscale that is plain pixel
/// repetition), then every cell picks the two colours that best split its subpixels.
public struct CellPicture: Equatable, Sendable {
    public let columns: Int
    public let rows: Int
    public let glyphs: GlyphMode
    /// Row-major, `rows * columns` cells.
    public var cells: [PictureCell]

    /// The cell at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> PictureCell { cells[y * columns + x] }

    /// Renders `frame` into `columns`×`rows` cells. `pixelHeight` (default: all the subpixel
    /// rows) is how many subpixel rows the picture covers; any below it are black, so that an
    /// odd-height picture in half blocks keeps its pixels square.
    public init(frame: Frame, columns: Int, rows: Int, glyphs: GlyphMode = .half, pixelHeight: Int? = nil) {
        precondition(columns >= 1 && rows >= 1, "a picture needs at least one cell")
        self.columns = columns
        self.rows = rows
        self.glyphs = glyphs
        let (gx, gy) = glyphs.subpixels
        let width = columns * gx, height = rows * gy
        let covered = min(height, max(1, pixelHeight ?? height))
        let resampled = frame.resampled(to: FrameSize(width: width, height: covered))
        let pixels = (0..<(width * covered)).map { resampled[$0 % width, $0 / width] }
        let black = RGB(0, 0, 0)
        var cells = [PictureCell](repeating: PictureCell(foreground: black, background: black), count: rows * columns)
        var block = [RGB](repeating: black, count: gx * gy)
        for row in 0..<rows {
            for column in 0..<columns {
                for sy in 0..<gy {
                    let y = row * gy + sy
                    for sx in 0..<gx {
                        block[sy * gx + sx] = y < covered ? pixels[y * width + column * gx + sx] : black
                    }
                }
                cells[row * columns + column] = glyphs == .half
                    ? PictureCell(foreground: block[0], background: block[1])
                    : CellPicture.split(block, mode: glyphs)
            }
        }
        self.cells = cells
    }

    /// The cell of quadrant/sextant `block`: its subpixels split into two groups (a 2-means
    /// from the two most different subpixels), each shown as its mean colour. The group with
    /// the top-left subpixel is the foreground, so one glyph table serves. A flat block is ▀
    /// with equal colours, as in half-block mode.
    static func split(_ block: [RGB], mode: GlyphMode) -> PictureCell {
        var seedA = 0, seedB = 0, farthest = 0
        for i in 0..<block.count {
            for j in (i + 1)..<block.count {
                let d = distance(block[i], block[j])
                if d > farthest { farthest = d; seedA = i; seedB = j }
            }
        }
        guard farthest > 0 else { return PictureCell(foreground: block[0], background: block[0]) }
        var a = block[seedA], b = block[seedB], mask = 0
        for _ in 0..<2 {
            mask = 0
            for (i, c) in block.enumerated() where distance(c, a) <= distance(c, b) { mask |= 1 << i }
            guard mask != 0, mask != (1 << block.count) - 1 else { break }
            a = mean(block, where: { mask & (1 << $0) != 0 })
            b = mean(block, where: { mask & (1 << $0) == 0 })
        }
        if mask & 1 == 0 { mask ^= (1 << block.count) - 1; swap(&a, &b) }
        if mask == (1 << block.count) - 1 {
            let m = mean(block, where: { _ in true })
            return PictureCell(foreground: m, background: m)
        }
        return PictureCell(glyph: GlyphMode.character(mask, mode: mode), foreground: a, background: b)
    }

    @inline(__always) static func distance(_ a: RGB, _ b: RGB) -> Int {
        let dr = Int(a.r) - Int(b.r), dg = Int(a.g) - Int(b.g), db = Int(a.b) - Int(b.b)
        return dr * dr + dg * dg + db * db
    }

    static func mean(_ block: [RGB], where include: (Int) -> Bool) -> RGB {
        var r = 0, g = 0, b = 0, n = 0
        for (i, c) in block.enumerated() where include(i) { r += Int(c.r); g += Int(c.g); b += Int(c.b); n += 1 }
        let half = n / 2
        return RGB(UInt8((r + half) / n), UInt8((g + half) / n), UInt8((b + half) / n))
    }
}

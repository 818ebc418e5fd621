import GenieMedia

/// One cell as the terminal gets it: a character and two terminal colour numbers (-1: the
/// terminal's default colour).
public struct TerminalCell: Equatable, Hashable, Sendable {
    public var glyph: UInt32
    public var foreground: Int32
    public var background: Int32
    public init(glyph: UInt32, foreground: Int32, background: Int32) {
        self.glyph = glyph; self.foreground = foreground; self.background = background
    }
}

/// Turns picture cells into terminal cells for a colour mode, keeping flat areas flat.
///
/// Nearest-colour mapping alone speckles: a sky whose pixels differ by a unit or two around
/// the midpoint between two palette entries (as a learned world's decoded frames do) flips
/// between them from cell to cell and frame to frame. So a colour keeps the entry already
/// chosen next to it (left, above, the other half of its cell) or in the same place on the
/// previous frame whenever that entry is within `margin` (Oklab distance) of the nearest
/// one; the picture is never more than `margin` worse than nearest mapping. The margin
/// covers a few units of noise (about 0.003 a unit) but stays well under the spacing of the
/// palette (0.02–0.04 between neighbouring entries), or a flat area could drift, cell by
/// cell, to a clearly worse entry.
public final class ColorMapper {
    public let mode: ColorMode
    public let margin: Float
    private var previous: [TerminalCell] = []
    private var previousColumns = 0
    private var cache: [UInt32: (lab: Oklab, best: Int)] = [:]

    public init(mode: ColorMode, margin: Float = 0.012) {
        self.mode = mode
        self.margin = margin
    }

    /// Forgets the previous frame (after a resize).
    public func reset() { previous = []; previousColumns = 0 }

    /// The terminal cells of `picture`.
    public func map(_ picture: CellPicture) -> [TerminalCell] {
        let columns = picture.columns
        if previous.count != picture.cells.count || previousColumns != columns { previous = [] }
        var result: [TerminalCell] = []
        result.reserveCapacity(picture.cells.count)
        switch mode {
        case .direct:
            for cell in picture.cells {
                result.append(TerminalCell(glyph: cell.glyph, foreground: mode.colorNumber(cell.foreground),
                                           background: mode.colorNumber(cell.background)))
            }
        case .monochrome:
            for cell in picture.cells { result.append(Self.monochrome(cell)) }
        case .palette256, .ansi16, .ansi8:
            let palette = mode.palette!
            for (i, cell) in picture.cells.enumerated() {
                let column = i % columns
                var neighbours: [Int] = []
                if column > 0 { neighbours += [result[i - 1].foreground, result[i - 1].background].map(Int.init) }
                if i >= columns { neighbours.append(Int(result[i - columns].background)) }
                if !previous.isEmpty { neighbours.append(Int(previous[i].foreground)) }
                let foreground = number(cell.foreground, palette: palette, neighbours: neighbours)
                neighbours.removeLast(previous.isEmpty ? 0 : 1)
                neighbours.append(Int(foreground))
                if !previous.isEmpty { neighbours.append(Int(previous[i].background)) }
                let background = number(cell.background, palette: palette, neighbours: neighbours)
                result.append(TerminalCell(glyph: cell.glyph, foreground: foreground, background: background))
            }
        }
        // A cell whose two colours became one is drawn as a plain ▀: the same cell as its
        // flat neighbours, so it is not redrawn when only its invisible split changes.
        for i in result.indices where result[i].foreground == result[i].background && mode != .monochrome {
            result[i].glyph = 0x2580
        }
        if cache.count > 1 << 16 { cache.removeAll(keepingCapacity: true) }
        previous = result
        previousColumns = columns
        return result
    }

    /// The number for `color`: the nearest palette entry, unless one of `neighbours` (terminal
    /// numbers) is within `margin` of it.
    private func number(_ color: RGB, palette: TerminalPalette, neighbours: [Int]) -> Int32 {
        let key = UInt32(color.r) << 16 | UInt32(color.g) << 8 | UInt32(color.b)
        let lab: Oklab, best: Int
        if let hit = cache[key] {
            (lab, best) = hit
        } else {
            lab = Oklab(color)
            best = palette.nearest(lab).position
            cache[key] = (lab, best)
        }
        var chosen = best
        // The palette's numbers are consecutive, so a number's position is an offset.
        if !neighbours.contains(Int(palette.numbers[best])) {
            let first = Int(palette.numbers[0])
            let limit = lab.distance(palette.labs[best]) + margin
            var closest = Float.infinity
            for n in neighbours {
                let position = n - first
                guard position >= 0, position < palette.labs.count else { continue }
                let d = lab.distance(palette.labs[position])
                if d <= limit && d < closest { closest = d; chosen = position }
            }
        }
        return palette.numbers[chosen]
    }

    /// Denser characters for lighter cells (a dark terminal background assumed): the cell's
    /// mean lightness picks one of ten.
    static func monochrome(_ cell: PictureCell) -> TerminalCell {
        let lightness = (Oklab(cell.foreground).l + Oklab(cell.background).l) / 2
        let level = min(ramp.count - 1, max(0, Int(lightness * Float(ramp.count))))
        return TerminalCell(glyph: ramp[level], foreground: -1, background: -1)
    }

    static let ramp: [UInt32] = Array(" .:-=+*#%@".unicodeScalars.map(\.value))
}

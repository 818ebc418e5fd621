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
/// Nearest-colour mapping alone speckles: a learned world's decoded sky wobbles by a few
/// units, and here and there by twenty, around a colour near the midpoint between two palette
/// entries, so it flips between them from cell to cell and frame to frame. So a colour may
/// take an entry already chosen next to it (left, above, the other half of its cell) or in
/// the same place on the previous frame instead of its nearest entry:
/// * always when that entry is within `margin` (Oklab distance) of the nearest one: noise of
///   a few units (about 0.003 a unit) at a palette boundary;
/// * from the left neighbour or the previous frame, also when that neighbour's own colour is
///   within `flatTolerance` of this one (the same flat area, give or take an outlier) and the
///   entry within `flatMargin` of the nearest. Not from above: skies are vertical gradients
///   of flat rows, and carrying an entry down them would mix two entries in one row.
/// No colour is ever more than `flatMargin` (under one palette step, 0.02–0.04 between
/// neighbouring entries) worse than nearest mapping.
public final class ColorMapper {
    public let mode: ColorMode
    public let margin: Float
    public let flatTolerance: Float
    public let flatMargin: Float
    /// The previous frame's cells and the Oklab colours they showed (foreground, background).
    private var previous: [TerminalCell] = []
    private var previousSources: [(Oklab, Oklab)] = []
    private var previousColumns = 0
    private var cache: [UInt32: (lab: Oklab, best: Int)] = [:]

    public init(mode: ColorMode, margin: Float = 0.012, flatTolerance: Float = 0.045, flatMargin: Float = 0.035) {
        self.mode = mode
        self.margin = margin
        self.flatTolerance = flatTolerance
        self.flatMargin = flatMargin
    }

    /// Forgets the previous frame (after a resize).
    public func reset() { previous = []; previousSources = []; previousColumns = 0 }

    /// The terminal cells of `picture`.
    public func map(_ picture: CellPicture) -> [TerminalCell] {
        let columns = picture.columns
        if previous.count != picture.cells.count || previousColumns != columns { reset() }
        var result: [TerminalCell] = []
        result.reserveCapacity(picture.cells.count)
        var sources: [(Oklab, Oklab)] = []
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
            sources.reserveCapacity(picture.cells.count)
            var candidates: [(number: Int32, source: Oklab, flat: Bool)] = []
            for (i, cell) in picture.cells.enumerated() {
                let column = i % columns
                candidates.removeAll(keepingCapacity: true)
                if column > 0 {
                    candidates.append((result[i - 1].foreground, sources[i - 1].0, true))
                    candidates.append((result[i - 1].background, sources[i - 1].1, true))
                }
                if i >= columns { candidates.append((result[i - columns].background, sources[i - columns].1, false)) }
                if !previous.isEmpty { candidates.append((previous[i].foreground, previousSources[i].0, true)) }
                let (foreground, foregroundLab) = number(cell.foreground, palette: palette, candidates: candidates)
                if !previous.isEmpty { candidates.removeLast() }
                candidates.append((foreground, foregroundLab, false))
                if !previous.isEmpty { candidates.append((previous[i].background, previousSources[i].1, true)) }
                let (background, backgroundLab) = number(cell.background, palette: palette, candidates: candidates)
                result.append(TerminalCell(glyph: cell.glyph, foreground: foreground, background: background))
                sources.append((foregroundLab, backgroundLab))
            }
        }
        // A cell whose two colours became one is drawn as a plain ▀: the same cell as its
        // flat neighbours, so it is not redrawn when only its invisible split changes.
        for i in result.indices where result[i].foreground == result[i].background && mode != .monochrome {
            result[i].glyph = 0x2580
        }
        if cache.count > 1 << 16 { cache.removeAll(keepingCapacity: true) }
        previous = result
        previousSources = sources
        previousColumns = columns
        return result
    }

    /// The number for `color` (and its Oklab value): the nearest palette entry, unless one of
    /// `candidates` (numbers chosen nearby, with the colours they were chosen for) may stand
    /// in for it (see the type's comment); then the closest such.
    private func number(_ color: RGB, palette: TerminalPalette, candidates: [(number: Int32, source: Oklab, flat: Bool)]) -> (Int32, Oklab) {
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
        let bestNumber = palette.numbers[best]
        if !candidates.contains(where: { $0.number == bestNumber }) {
            // The palette's numbers are consecutive, so a number's position is an offset.
            let first = Int(palette.numbers[0])
            let bestDistance = lab.distance(palette.labs[best])
            var closest = Float.infinity
            for candidate in candidates {
                let position = Int(candidate.number) - first
                guard position >= 0, position < palette.labs.count else { continue }
                let d = lab.distance(palette.labs[position])
                let allowed = candidate.flat && lab.distance(candidate.source) <= flatTolerance ? flatMargin : margin
                if d <= bestDistance + allowed && d < closest { closest = d; chosen = position }
            }
        }
        return (palette.numbers[chosen], lab)
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

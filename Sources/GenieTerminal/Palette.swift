import Foundation
import GenieMedia

/// A colour in Oklab, where Euclidean distance follows perceived difference far better than
/// in sRGB: nearest-colour mapping there keeps hues and lightness that RGB distance trades
/// away (a dusk sky stays blue instead of turning grey).
public struct Oklab: Equatable, Sendable {
    public var l: Float, a: Float, b: Float

    public init(_ c: RGB) {
        let r = Oklab.linear[Int(c.r)], g = Oklab.linear[Int(c.g)], b = Oklab.linear[Int(c.b)]
        let l = cbrtf(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b)
        let m = cbrtf(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b)
        let s = cbrtf(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b)
        self.l = 0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s
        self.a = 1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s
        self.b = 0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s
    }

    /// Euclidean distance.
    @inline(__always) public func distance(_ o: Oklab) -> Float {
        let dl = l - o.l, da = a - o.a, db = b - o.b
        return (dl * dl + da * da + db * db).squareRoot()
    }

    /// sRGB channel value → linear light.
    private static let linear: [Float] = (0..<256).map { v in
        let c = Float(v) / 255
        return c <= 0.04045 ? c / 12.92 : powf((c + 0.055) / 1.055, 2.4)
    }
}

/// A fixed set of terminal colours and the perceptually nearest of them to any RGB.
public struct TerminalPalette: Sendable {
    /// Terminal colour numbers and their colours.
    public let numbers: [Int32]
    public let colors: [RGB]
    let labs: [Oklab]

    init(numbers: [Int32], colors: [RGB]) {
        self.numbers = numbers; self.colors = colors; self.labs = colors.map(Oklab.init)
    }

    /// The position in `numbers` of the entry nearest to `lab`, and its distance.
    public func nearest(_ lab: Oklab) -> (position: Int, distance: Float) {
        var best = 0, bestDistance = Float.infinity
        for (i, p) in labs.enumerated() {
            let d = lab.distance(p)
            if d < bestDistance { bestDistance = d; best = i }
        }
        return (best, bestDistance)
    }

    /// xterm's 256-colour palette without the 16 system colours (which every theme
    /// redefines): the 6×6×6 cube (16–231) and the grey ramp (232–255).
    public static let xterm256 = TerminalPalette(numbers: (16...255).map(Int32.init), colors: (16...255).map(Palette256.rgb))

    /// The 16 ANSI colours at xterm's default values (themes move them, so this is a guess
    /// that keeps at least hue and brightness apart).
    public static let ansi16 = TerminalPalette(numbers: (0..<16).map(Int32.init), colors: ansiColors)
    /// The first 8 of them, for terminals with 8 colours.
    public static let ansi8 = TerminalPalette(numbers: (0..<8).map(Int32.init), colors: Array(ansiColors.prefix(8)))

    static let ansiColors: [RGB] = [
        RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0), RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229),
        RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0), RGB(255, 255, 0), RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255),
    ]
}

/// The fixed part of the xterm 256-colour palette.
public enum Palette256 {
    /// The six channel levels of the colour cube.
    public static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// The RGB value xterm shows for palette index `index` (16…255).
    public static func rgb(of index: Int) -> RGB {
        precondition((16...255).contains(index), "palette index \(index) is outside 16…255")
        if index >= 232 {
            let v = UInt8(8 + 10 * (index - 232))
            return RGB(v, v, v)
        }
        let i = index - 16
        return RGB(UInt8(cubeLevels[i / 36]), UInt8(cubeLevels[(i / 6) % 6]), UInt8(cubeLevels[i % 6]))
    }

    /// The palette index (16…255) perceptually nearest to `color` (Oklab distance, over the
    /// cube and the grey ramp).
    public static func nearestIndex(_ color: RGB) -> Int {
        Int(TerminalPalette.xterm256.numbers[TerminalPalette.xterm256.nearest(Oklab(color)).position])
    }
}

/// How the screen shows colour.
public enum ColorMode: String, Sendable, Equatable, CaseIterable {
    /// 24-bit values straight to the terminal.
    case direct
    /// The nearest entry of the xterm 256-colour cube and grey ramp.
    case palette256
    /// The nearest of the 16 ANSI colours.
    case ansi16
    /// The nearest of the 8 ANSI colours: a poor picture, but a picture.
    case ansi8
    /// No colour at all: the picture as characters of increasing density (NO_COLOR,
    /// monochrome terminals).
    case monochrome

    /// The palette a mode maps into (nil: direct colour or none).
    public var palette: TerminalPalette? {
        switch self {
        case .palette256: return .xterm256
        case .ansi16: return .ansi16
        case .ansi8: return .ansi8
        case .direct, .monochrome: return nil
        }
    }

    /// The ncurses colour number for `color` in this mode, with no regard to neighbours
    /// (`ColorMapper` adds the stability a moving picture needs); -1 (the terminal's default) in
    /// monochrome.
    ///
    /// Direct-colour terminfo entries (xterm-direct) send values below 8 as the eight ANSI
    /// colours, not as RGB; such near-black blues are lifted to 8, which looks the same.
    public func colorNumber(_ color: RGB) -> Int32 {
        switch self {
        case .direct:
            let v = Int32(color.r) << 16 | Int32(color.g) << 8 | Int32(color.b)
            return max(v, 8)
        case .monochrome:
            return -1
        case .palette256, .ansi16, .ansi8:
            let p = palette!
            return p.numbers[p.nearest(Oklab(color)).position]
        }
    }
}

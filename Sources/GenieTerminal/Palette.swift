import GenieMedia

/// The xterm 256-colour palette and nearest-colour mapping into it.
///
/// Only indices 16–255 are used: 0–15 are the "system" colours that every terminal theme
/// redefines, while the 6×6×6 cube (16–231) and the grey ramp (232–255) are fixed.
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

    /// The palette index (16…255) nearest to `color` in squared RGB distance.
    ///
    /// The cube is a separable grid, so its nearest entry is the nearest level per channel;
    /// the nearest grey is the ramp step nearest to the channel mean. The closer of the two wins
    /// (the cube on ties, so that exact cube greys such as 95,95,95 map to themselves).
    public static func nearestIndex(_ color: RGB) -> Int {
        let r = Int(color.r), g = Int(color.g), b = Int(color.b)
        let ri = nearestLevel(r), gi = nearestLevel(g), bi = nearestLevel(b)
        let cubeIndex = 16 + 36 * ri + 6 * gi + bi
        let cubeDistance = square(r - cubeLevels[ri]) + square(g - cubeLevels[gi]) + square(b - cubeLevels[bi])

        let mean = (r + g + b + 1) / 3
        let step = min(23, max(0, (mean - 8 + 5) / 10))  // ramp value 8 + 10*step
        var greyIndex = 232 + step
        var greyDistance = Int.max
        // The rounded mean is near, but the exact minimiser may be one step off: try neighbours.
        for s in max(0, step - 1)...min(23, step + 1) {
            let v = 8 + 10 * s
            let d = square(r - v) + square(g - v) + square(b - v)
            if d < greyDistance { greyDistance = d; greyIndex = 232 + s }
        }
        return greyDistance < cubeDistance ? greyIndex : cubeIndex
    }

    @inline(__always) private static func square(_ x: Int) -> Int { x * x }

    @inline(__always) private static func nearestLevel(_ v: Int) -> Int {
        // Midpoints between the levels 0, 95, 135, 175, 215, 255.
        if v < 48 { return 0 }
        if v < 115 { return 1 }
        return min(5, (v - 115) / 40 + 2)
    }
}

/// How the screen shows colour: 24-bit values straight to the terminal, or the nearest entry
/// of the 256-colour palette.
public enum ColorMode: String, Sendable, Equatable {
    case direct
    case palette256
    /// A terminal with only the eight ANSI colours: a poor picture, but a picture.
    case ansi8

    /// The ncurses colour number for `color` in this mode.
    ///
    /// Direct-colour terminfo entries (xterm-direct) send values below 8 as the eight ANSI
    /// colours, not as RGB; such near-black blues are lifted to 8, which looks the same.
    @inline(__always)
    public func colorNumber(_ color: RGB) -> Int32 {
        switch self {
        case .direct:
            let v = Int32(color.r) << 16 | Int32(color.g) << 8 | Int32(color.b)
            return max(v, 8)
        case .palette256:
            return Int32(Palette256.nearestIndex(color))
        case .ansi8:
            return Int32(ColorMode.nearestANSI(color))
        }
    }

    /// xterm's default RGB values of the eight ANSI colours.
    static let ansiColors: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    ]

    static func nearestANSI(_ c: RGB) -> Int {
        var best = 0, bestDistance = Int.max
        for (i, a) in ansiColors.enumerated() {
            let d = (Int(c.r) - a.0) * (Int(c.r) - a.0) + (Int(c.g) - a.1) * (Int(c.g) - a.1) + (Int(c.b) - a.2) * (Int(c.b) - a.2)
            if d < bestDistance { bestDistance = d; best = i }
        }
        return best
    }
}

import GenieMedia

/// A grid of simulator frames for documentation: one row per theme, columns taken at
/// increasing times of an explorer episode, each row from its own seed.
public enum ContactSheet {
    /// Frames are scaled by `scale` and separated by a 2-pixel dark gutter.
    public static func make(game: PlatformerGame, seed: UInt64 = 1, captureSteps: [Int] = [0, 30, 70, 120, 180],
                            scale: Int = 2) -> Frame {
        let themes = Theme.allCases
        let gutter = 2
        let cellW = game.width * scale, cellH = game.height * scale
        let sheetW = captureSteps.count * (cellW + gutter) + gutter
        let sheetH = themes.count * (cellH + gutter) + gutter
        var sheet = Frame(width: sheetW, height: sheetH, fill: RGB(24, 24, 24))
        for (row, theme) in themes.enumerated() {
            let worldSeed = SplitMix64.derive(seed, UInt64(row))
            var state = game.newState(seed: worldSeed, theme: theme)
            var policy = Policy(kind: .explorer, seed: worldSeed)
            var t = 0
            for (column, captureAt) in captureSteps.enumerated() {
                while t < captureAt {
                    game.step(&state, action: policy.action(for: state))
                    t += 1
                }
                let frame = game.render(state)
                let x0 = gutter + column * (cellW + gutter), y0 = gutter + row * (cellH + gutter)
                for y in 0..<cellH {
                    for x in 0..<cellW {
                        sheet[x0 + x, y0 + y] = frame[x / scale, y / scale]
                    }
                }
            }
        }
        return sheet
    }
}

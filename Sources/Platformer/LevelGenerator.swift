/// Builds a level from a seed by laying down segments left to right: flat runs, gaps,
/// steps up and down, brick pillars, floating platforms and brick rows, coins, enemies.
/// Every segment is chosen so that it can be cleared with one jump (see `Physics`).
public enum LevelGenerator {
    /// Default level length: about 20 screens at 64 px.
    public static let defaultColumns = 160

    /// Returns the level and the enemies that start in it.
    public static func generate(seed: UInt64, theme: Theme, rows: Int, columns: Int = defaultColumns) -> (Level, [Enemy]) {
        precondition(rows >= 6 && columns >= 40)
        var rng = SplitMix64(seed: seed)
        var tiles = [Tile](repeating: .empty, count: rows * columns)
        var enemies: [Enemy] = []
        var checkpoints: [Int] = []
        let top = theme.hasCeiling ? 1 : 0  // first free row

        func set(_ c: Int, _ r: Int, _ t: Tile) {
            if c >= 0 && c < columns && r >= 0 && r < rows { tiles[r * columns + c] = t }
        }
        func get(_ c: Int, _ r: Int) -> Tile { tiles[r * columns + c] }
        // Ground `height` tiles tall in column c.
        func ground(_ c: Int, _ height: Int) {
            for r in (rows - height)..<rows { set(c, r, r == rows - height ? .groundTop : .ground) }
        }
        func enemy(at c: Int, height: Int) {
            let surface = rows - height
            enemies.append(Enemy(x: c * Physics.tile, y: (surface - 1) * Physics.tile,
                                 direction: rng.chance(0.5) ? 1 : -1))
        }

        // Ground height in tiles. Under a cave ceiling the ground stays low enough that a
        // full jump never bumps it (a bumped jump could not clear a gap).
        let maxHeight = theme.hasCeiling ? 2 : 3
        var height = 2
        var c = 0
        let start = 8
        while c < start { ground(c, height); c += 1 }
        checkpoints.append(2)
        var nextCheckpoint = 36
        let end = columns - 12

        while c < end {
            // A checkpoint at the start of a flat run, away from enemies.
            if c >= nextCheckpoint {
                for i in 0..<4 { ground(c + i, height) }
                checkpoints.append(c + 1)
                c += 4
                nextCheckpoint = c + 32
                continue
            }
            switch rng.int(9) {
            case 0, 1:  // flat run, maybe coins above, maybe an enemy
                let length = rng.int(in: 4...8)
                for i in 0..<length { ground(c + i, height) }
                if rng.chance(0.4) {
                    let row = rows - height - rng.int(in: 2...3)
                    for i in 1..<(length - 1) { set(c + i, row, .coin) }
                }
                if length >= 5 && rng.chance(0.75) { enemy(at: c + length / 2, height: height) }
                c += length
            case 2:  // gap, maybe with a floating platform over it
                let width = rng.int(in: 2...3)
                if width == 3 && rng.chance(0.5) {
                    let row = rows - height - 3
                    if row > top { set(c + 1, row, .platform); set(c + 1, row - 1, .coin) }
                }
                c += width
                for i in 0..<3 { ground(c + i, height) }  // landing
                c += 3
            case 3:  // step up or down
                let change = rng.chance(0.5) ? 1 : -1
                height = min(maxHeight, max(1, height + change * rng.int(in: 1...2)))
                for i in 0..<3 { ground(c + i, height) }
                c += 3
            case 4:  // brick pillar, one or two tall
                for i in 0..<5 { ground(c + i, height) }
                let tall = rng.int(in: 1...2)
                for k in 1...tall { set(c + 2, rows - height - k, .brick) }
                c += 5
            case 5:  // floating platform with coins on top, enemy below sometimes
                let length = rng.int(in: 3...4)
                for i in 0..<(length + 4) { ground(c + i, height) }
                let row = rows - height - 3
                if row > top {
                    for i in 0..<length {
                        set(c + 2 + i, row, .platform)
                        if row - 1 >= top { set(c + 2 + i, row - 1, .coin) }
                    }
                }
                if rng.chance(0.4) { enemy(at: c + length + 2, height: height) }
                c += length + 4
            case 6:  // a row of bricks with a coin under the middle
                for i in 0..<6 { ground(c + i, height) }
                let row = rows - height - 3
                if row > top {
                    for i in 1...4 { set(c + i, row, .brick) }
                    set(c + 2, row + 1, .coin)
                }
                c += 6
            case 7:  // a patrolled stretch: one or two enemies
                let length = rng.int(in: 6...9)
                for i in 0..<length { ground(c + i, height) }
                enemy(at: c + 2, height: height)
                if rng.chance(0.4) { enemy(at: c + length - 2, height: height) }
                c += length
            default:  // staircase of bricks up then a gap
                for i in 0..<5 { ground(c + i, height) }
                set(c + 2, rows - height - 1, .brick)
                set(c + 3, rows - height - 1, .brick)
                set(c + 3, rows - height - 2, .brick)
                c += 5
                let width = rng.int(in: 1...2)
                c += width
                for i in 0..<3 { ground(c + i, height) }
                c += 3
            }
        }
        // Finish: flat run, the flag, a wall closing the level.
        while c < columns { ground(c, height); c += 1 }
        let goal = columns - 5
        for r in 0..<(rows - height) { set(columns - 1, r, .brick) }
        if theme.hasCeiling {
            for col in 0..<columns { set(col, 0, .rock) }
        }
        // Keep spawn points clear: nothing solid above a checkpoint's ground.
        for cp in checkpoints {
            for r in top..<rows where get(cp, r) == .brick || get(cp, r) == .platform { set(cp, r, .empty) }
        }

        var scenery: [Scenery] = []
        let pixelWidth = columns * Physics.tilePixels
        var x = rng.int(in: 0...20)
        while x < pixelWidth / 2 + 64 {
            scenery.append(Scenery(kind: .far, x: x, y: 0))
            x += rng.int(in: 28...64)
        }
        x = rng.int(in: 0...30)
        while x < pixelWidth / 4 + 64 {
            scenery.append(Scenery(kind: .deco, x: x, y: theme.hasCeiling ? Physics.tilePixels : rng.int(in: 2...14)))
            x += rng.int(in: 30...70)
        }
        let level = Level(columns: columns, rows: rows, theme: theme, tiles: tiles,
                          checkpoints: checkpoints, goalColumn: goal, scenery: scenery)
        return (level, enemies)
    }
}

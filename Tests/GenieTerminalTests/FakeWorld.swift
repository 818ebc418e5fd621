import GenieMedia

/// A tiny deterministic world for tests: a 16x8 picture whose background depends on the seed
/// and in which a white dot moves left/right and jumps up a row.
final class FakeWorld: World {
    let kind = "fake"
    private(set) var seed: UInt64
    private var x = 8, y = 6, t = 0
    var identity: [String: String] { ["seed": String(seed)] }
    let frameWidth = 16
    let frameHeight = 8
    var actionCount: Int { Control.all.count }

    init(seed: UInt64) { self.seed = seed }

    func actionName(_ index: Int) -> String { Control.all[index] }
    func action(forControl control: String) -> Int? { Control.all.firstIndex(of: control) }

    func reset(seed: UInt64) throws -> Frame {
        self.seed = seed
        x = 8; y = 6; t = 0
        return render()
    }

    func step(_ action: Int) throws -> Frame {
        let name = Control.all[action]
        if name.hasPrefix("left") { x = max(0, x - 1) }
        if name.hasPrefix("right") { x = min(frameWidth - 1, x + 1) }
        y = name.hasSuffix("jump") ? 4 : 6
        t += 1
        return render()
    }

    private func render() -> Frame {
        var f = Frame(width: frameWidth, height: frameHeight,
                      fill: RGB(UInt8(truncatingIfNeeded: seed &* 40), 60, UInt8(truncatingIfNeeded: t * 3)))
        f[x, y] = RGB(255, 255, 255)
        return f
    }
}

import Foundation
import GenieMedia
@testable import Platformer

/// The art and a 64x64 engine, loaded once for all tests.
enum Fixture {
    static let assets: PlatformerAssets = try! PlatformerAssets.load()
    static let game: PlatformerGame = try! PlatformerGame(assets: assets)
}

extension PlatformerState {
    /// True if the player's hitbox overlaps a solid tile.
    var playerInsideSolid: Bool {
        Physics.overlapsSolid(level, x: player.x, y: player.y,
                              w: Physics.playerWidth * Physics.subpixels, h: Physics.playerHeight * Physics.subpixels)
    }
}

/// A fresh empty temporary folder.
func temporaryDirectory(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "genie-platformer-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.removeItem(atPath: path)
    return path
}

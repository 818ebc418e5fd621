import Foundation
import GenieMedia
@testable import Platformer

/// The art and 64x64 engines, loaded once for all tests: `game` with the standard camera
/// (`follow`), `clampedGame` with the camera of the games before it.
enum Fixture {
    static let assets: PlatformerAssets = try! PlatformerAssets.load()
    static let game: PlatformerGame = try! PlatformerGame(assets: assets)
    static let clampedGame: PlatformerGame = try! PlatformerGame(assets: assets, camera: .clamped)
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

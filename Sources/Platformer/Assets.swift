import Foundation
import GenieMedia

/// What can go wrong setting up the platformer, each with a message a person can act on.
public enum PlatformerError: Error, Equatable, CustomStringConvertible {
    case assetsNotFound(searched: [String])
    case badAsset(String, reason: String)
    case badFrameSize(width: Int, height: Int)
    case badAction(Int)

    public var description: String {
        switch self {
        case .assetsNotFound(let searched):
            return "platformer assets not found (looked for sprites/player_idle_right.png in: "
                + searched.joined(separator: ", ")
                + "); pass the assets folder explicitly or set GENIE_ASSETS"
        case .badAsset(let path, let reason):
            return "bad platformer asset \(path): \(reason)"
        case .badFrameSize(let w, let h):
            return "unsupported frame size \(w)x\(h): width must be at least 16 and height a multiple of 8, at least 48"
        case .badAction(let a):
            return "action \(a) is out of range 0..<\(PlatformerAction.count)"
        }
    }
}

/// The art of one theme: tiles (8x8), sky gradient, background scenery.
public struct ThemeArt: Sendable {
    public let groundTop: Sprite
    public let ground: Sprite
    public let brick: Sprite
    public let platform: Sprite
    /// Large scenery behind the level (hill, dune, peak).
    public let far: Sprite
    /// Small scenery high up (cloud, stars, stalactites).
    public let deco: Sprite
    /// A 1-pixel-wide vertical gradient, sampled per frame row.
    public let sky: Sprite
}

/// Every sprite and tile the platformer draws, loaded from PNGs in an assets folder.
public struct PlatformerAssets: Sendable {
    /// The folder the art was loaded from.
    public let root: String
    /// Per theme, indexed like `Theme.allCases`.
    public let themes: [ThemeArt]
    /// Player frames by facing: [idle, run1, run2, jump], 8x10.
    public let playerRight: [Sprite]
    public let playerLeft: [Sprite]
    /// Enemy frames by facing: [walk1, walk2, squashed], 8x8.
    public let enemyRight: [Sprite]
    public let enemyLeft: [Sprite]
    /// Spinning coin: two frames, 8x8.
    public let coin: [Sprite]
    /// The goal flag, 8x24.
    public let flag: Sprite

    func art(_ theme: Theme) -> ThemeArt { themes[theme.index] }

    /// The marker file whose presence identifies an assets folder.
    static let marker = "sprites/player_idle_right.png"

    /// Finds the assets folder: (a) `explicitPath`, (b) the GENIE_ASSETS environment
    /// variable, (c) `assets/` at the repository root, found from this source file's path.
    public static func locate(explicitPath: String? = nil, sourceFile: String = #filePath) throws -> String {
        var candidates: [String] = []
        if let explicitPath { candidates.append(explicitPath) }
        if let env = ProcessInfo.processInfo.environment["GENIE_ASSETS"], !env.isEmpty { candidates.append(env) }
        // Sources/Platformer/Assets.swift -> ../../assets
        let repoRoot = URL(fileURLWithPath: sourceFile)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(repoRoot.appendingPathComponent("assets").path)
        // An explicit path is a promise: do not silently fall back past it.
        let toTry = explicitPath != nil ? [candidates[0]] : candidates
        for path in toTry where FileManager.default.fileExists(atPath: path + "/" + marker) {
            return path
        }
        throw PlatformerError.assetsNotFound(searched: toTry)
    }

    /// Locates (see `locate`) and loads the assets.
    public static func load(explicitPath: String? = nil) throws -> PlatformerAssets {
        try PlatformerAssets(root: locate(explicitPath: explicitPath))
    }

    /// Loads every PNG from `root`; a missing or unreadable file is a thrown error.
    public init(root: String) throws {
        self.root = root
        func sprite(_ relative: String, width: Int? = nil, height: Int? = nil) throws -> Sprite {
            let path = root + "/" + relative
            let frame: Frame
            do { frame = try PNG.read(path) } catch {
                throw PlatformerError.badAsset(path, reason: "\(error)")
            }
            if let width, frame.width != width { throw PlatformerError.badAsset(path, reason: "expected width \(width), got \(frame.width)") }
            if let height, frame.height != height { throw PlatformerError.badAsset(path, reason: "expected height \(height), got \(frame.height)") }
            return Sprite(frame: frame)
        }
        themes = try Theme.allCases.map { theme in
            let dir = "tiles/\(theme.name)/"
            return ThemeArt(
                groundTop: try sprite(dir + "ground_top.png", width: 8, height: 8),
                ground: try sprite(dir + "ground.png", width: 8, height: 8),
                brick: try sprite(dir + "brick.png", width: 8, height: 8),
                platform: try sprite(dir + "platform.png", width: 8, height: 8),
                far: try sprite(dir + "far.png"),
                deco: try sprite(dir + "deco.png"),
                sky: try sprite(dir + "sky.png", width: 1))
        }
        let poses = ["idle", "run1", "run2", "jump"]
        playerRight = try poses.map { try sprite("sprites/player_\($0)_right.png", width: 8, height: 10) }
        playerLeft = try poses.map { try sprite("sprites/player_\($0)_left.png", width: 8, height: 10) }
        let enemyPoses = ["walk1", "walk2", "squashed"]
        enemyRight = try enemyPoses.map { try sprite("sprites/enemy_\($0)_right.png", width: 8, height: 8) }
        enemyLeft = try enemyPoses.map { try sprite("sprites/enemy_\($0)_left.png", width: 8, height: 8) }
        coin = try ["coin1", "coin2"].map { try sprite("sprites/\($0).png", width: 8, height: 8) }
        flag = try sprite("sprites/flag.png", width: 8, height: 24)
    }
}

import GenieMedia
import Platformer

/// Builds worlds by kind: from command-line options for `genie play`, and from a trace's
/// kind + identity for `genie replay`: "sim" is the built-in simulator, "model" the learned
/// world (weights, prompt and sampling settings from `ModelWorldOptions`).
enum WorldFactory {
    /// The world kinds this genie can build.
    static let knownKinds = ["sim", "model"]

    /// The world `genie play --world KIND --seed SEED` plays.
    static func make(kind: String, seed: UInt64, model: ModelWorldOptions) throws -> any World {
        switch kind {
        case "sim":
            return try PlatformerWorld(seed: seed)
        case "model":
            return try model.makeWorld(seed: seed)
        default:
            throw WorldFactoryError.unknownKind(kind, known: knownKinds)
        }
    }

    /// The world a trace was recorded on, rebuilt from its identity; throws a `TraceError`
    /// when the kind is unknown or the identity cannot be rebuilt or does not match.
    static func make(for trace: Trace, traceName: String, weights: String) throws -> any World {
        let identity = trace.world.identity
        switch trace.world.kind {
        case "sim":
            guard let seedText = identity["seed"], let seed = UInt64(seedText) else {
                throw TraceError.worldMismatch(traceName, reason: "a \"sim\" trace needs an integer \"seed\" in its world identity")
            }
            var theme: Theme?
            if let name = identity["theme"] {
                guard let t = Theme(rawValue: name) else {
                    throw TraceError.worldMismatch(traceName, reason: "unknown theme \"\(name)\" (known: \(Theme.allCases.map(\.name).joined(separator: ", ")))")
                }
                // Only force a theme that differs from the seed's own, as `play` would have.
                theme = t == Theme.forSeed(seed) ? nil : t
            }
            let assets = try PlatformerAssets.load()
            let world = PlatformerWorld(game: try PlatformerGame(assets: assets, width: trace.frame.width, height: trace.frame.height),
                                        seed: seed, theme: theme)
            try trace.check(against: world, name: traceName)
            return world
        case "model":
            return try ModelWorldLoader.make(for: trace, traceName: traceName, weights: weights)
        default:
            throw TraceError.unknownWorldKind(traceName, kind: trace.world.kind, known: knownKinds)
        }
    }
}

/// A world that cannot be built from the command line.
enum WorldFactoryError: Error, CustomStringConvertible {
    case unknownKind(String, known: [String])
    var description: String {
        switch self {
        case .unknownKind(let k, let known): return "unknown world \"\(k)\" (known: \(known.joined(separator: ", ")))"
        }
    }
}

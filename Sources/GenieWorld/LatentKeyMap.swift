import Foundation
import GenieMedia
import GenieModels
import GenieSupport

/// Why a key map cannot be read or used.
public enum KeyMapError: Error, CustomStringConvertible, Equatable {
    case unreadable(String, reason: String)
    case noVisibleTransitions

    public var description: String {
        switch self {
        case .unreadable(let p, let r): return "cannot read key map \(p): \(r)"
        case .noVisibleTransitions:
            return "no transition where the true action was visible (class == action): cannot map controls to latents"
        }
    }
}

/// Which latent action each control name (`Control.all`: noop, left, right, jump, …) stands
/// for, computed by running the LAM on simulator clips whose true actions are known. Latent
/// codes have no names of their own; this map gives them the player's names.
///
/// Stored as JSON next to the weights (weights/keymap.json):
/// `{"format": "genie-keymap", "version": 1, "latent_actions": 8, "controls": {"right": 5, …},
///   "counts": {"right": [n₀ … n₇], …}, "confidence": {"right": 0.91, …}, "transitions": 12345, "lam": "…"}`
public struct LatentKeyMap: Codable, Equatable, Sendable {
    public static let formatName = "genie-keymap"
    static let maximumFileBytes = 16 << 20
    public var format = LatentKeyMap.formatName
    public var version = 1
    /// Number of latent actions of the LAM (and of the dynamics model that plays it).
    public var latentActions: Int
    /// Control name → latent index.
    public var controls: [String: Int]
    /// Control name → how often the LAM gave each latent for that true action.
    public var counts: [String: [Int]]
    /// Control name → share of its transitions that got the chosen latent.
    public var confidence: [String: Double]
    /// Visible transitions counted in all.
    public var transitions: Int
    /// Where the map came from (LAM file hash, data folder).
    public var source: [String: String]
    /// Steps after a jump during which the game ignores another jump (the player is still in
    /// the air), measured from the data; nil in maps made before it (no such rule then).
    public var jumpAirtime: Int?
    /// Reads from the world's last two frames whether the player can jump; where present it
    /// decides instead of the airtime (nil in maps made without a tokenizer).
    public var jumpReader: JumpReader?

    enum CodingKeys: String, CodingKey {
        case format, version, controls, counts, confidence, transitions, source
        case latentActions = "latent_actions"
        case jumpAirtime = "jump_airtime"
        case jumpReader = "jump_reader"
    }

    public init(latentActions: Int, controls: [String: Int], counts: [String: [Int]] = [:], confidence: [String: Double] = [:],
                transitions: Int = 0, source: [String: String] = [:], jumpAirtime: Int? = nil) {
        self.latentActions = latentActions; self.controls = controls; self.counts = counts
        self.confidence = confidence; self.transitions = transitions; self.source = source; self.jumpAirtime = jumpAirtime
    }

    /// The latent a control plays when the last jump was `stepsAgo` steps back (nil: none yet)
    /// and the world's last two frames have these codes (nil: not known). While the player is
    /// in the air a jump control plays itself without the jump: the game ignores a jump pressed
    /// in the air, and the LAM reads such a press as its counterpart, so the world learned no
    /// jump from mid-air (given one, it would jump again from there). The jump reader, given
    /// codes it knows, says whether the player is in the air; else the airtime does.
    public func latent(forControl control: String, lastJumpStepsAgo stepsAgo: Int?,
                       recentCodes codes: (previous: [Int32], current: [Int32])? = nil) -> Int? {
        guard let counterpart = Control.withoutJump[control] else { return controls[control] }
        let inAir: Bool
        if let jumpReader, let codes, jumpReader.familiarity(codes.current) >= JumpReader.minimumFamiliarity {
            inAir = !jumpReader.canJump(previous: codes.previous, current: codes.current)
        } else {
            inAir = inAirtime(lastJumpStepsAgo: stepsAgo)
        }
        return controls[inAir ? counterpart : control]
    }

    /// Whether a jump `stepsAgo` steps back (nil: none) still has the player in the air.
    public func inAirtime(lastJumpStepsAgo stepsAgo: Int?) -> Bool {
        guard let airtime = jumpAirtime, let stepsAgo else { return false }
        return stepsAgo <= airtime
    }

    /// The actions of `actionNames` that are jump controls.
    public static func jumpActions(_ actionNames: [String]) -> Set<Int> {
        Set(actionNames.indices.filter { Control.withoutJump[actionNames[$0]] != nil })
    }

    /// Whether `latent` is one a jump control plays.
    public func isJump(_ latent: Int) -> Bool {
        Control.withoutJump.keys.contains { controls[$0] == latent }
    }

    /// The airtime the data shows: from each jump that took effect (its class a jump), how many
    /// steps later another pressed jump did nothing in most cases (before the first step k at
    /// which at least half of at least `minimumPresses` presses took effect), or nil when the
    /// data has no jumps, or presses right after a jump already work.
    ///
    /// `episodes` holds each episode's true actions and classes; `actionNames[a]` names action a.
    public static func jumpAirtime(episodes: [(actions: [Int], classes: [Int])], actionNames: [String],
                                   longest: Int = 64, minimumPresses: Int = 10) -> Int? {
        let jumps = jumpActions(actionNames)
        var presses = [Int](repeating: 0, count: longest + 1), effective = presses
        for (actions, classes) in episodes {
            var lastJump: Int?
            for (t, (action, cls)) in zip(actions, classes).enumerated() {
                if jumps.contains(action), let lastJump, t - lastJump <= longest {
                    presses[t - lastJump] += 1
                    if jumps.contains(cls) { effective[t - lastJump] += 1 }
                }
                if jumps.contains(cls) { lastJump = t }
            }
        }
        guard let first = (1...longest).first(where: { presses[$0] >= minimumPresses && 2 * effective[$0] >= presses[$0] }), first > 1 else {
            return nil
        }
        return first - 1
    }

    /// Counts, per true action, which latent the LAM gave, over the transitions where the
    /// action was visible (its equivalence class is itself: an action that changes nothing,
    /// like jump in mid-air, looks like another and would blur the counts), and maps each
    /// action to its most frequent latent (ties: the lower index).
    ///
    /// `latents`, `actions` and `classes` are per transition; `actionNames[a]` names true action a.
    public static func compute(latents: [Int], actions: [Int], classes: [Int], actionNames: [String],
                               latentActions: Int, source: [String: String] = [:]) throws -> LatentKeyMap {
        precondition(latents.count == actions.count && actions.count == classes.count, "one latent, action and class per transition")
        var counts = [[Int]](repeating: [Int](repeating: 0, count: latentActions), count: actionNames.count)
        var transitions = 0
        for ((latent, action), cls) in zip(zip(latents, actions), classes)
        where action == cls && actionNames.indices.contains(action) && (0..<latentActions).contains(latent) {
            counts[action][latent] += 1
            transitions += 1
        }
        guard transitions > 0 else { throw KeyMapError.noVisibleTransitions }
        var map = LatentKeyMap(latentActions: latentActions, controls: [:], transitions: transitions, source: source)
        for (a, name) in actionNames.enumerated() {
            let row = counts[a]
            map.counts[name] = row
            let total = row.reduce(0, +)
            guard total > 0 else { continue }  // never visible: leave the control unmapped
            let best = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!
            map.controls[name] = best
            map.confidence[name] = Double(row[best]) / Double(total)
        }
        return map
    }

    /// The control names mapped to latent `index`, in `Control.all` order.
    public func controls(forLatent index: Int) -> [String] {
        Control.all.filter { controls[$0] == index } + controls.keys.filter { !Control.all.contains($0) && controls[$0] == index }.sorted()
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Foundation's atomic write: a temp file renamed over the target.
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads and checks a key map file.
    public static func load(_ path: String) throws -> LatentKeyMap {
        let data: Data
        do { data = try RegularFile.read(path, limit: maximumFileBytes) } catch { throw KeyMapError.unreadable(path, reason: error.description) }
        let map: LatentKeyMap
        do { map = try JSONDecoder().decode(LatentKeyMap.self, from: data) } catch let error as DecodingError {
            throw KeyMapError.unreadable(path, reason: "not a genie key map: \(oneLineReason(error, document: "the key map"))")
        } catch let error as ModelConfigurationError {
            throw KeyMapError.unreadable(path, reason: error.reason)  // the jump reader's checks
        }
        guard map.format == formatName, map.version == 1 else {
            throw KeyMapError.unreadable(path, reason: "format \(map.format) version \(map.version) is not \(formatName) version 1")
        }
        do {
            try ConfigurationBounds.check("latent_actions", map.latentActions, in: ConfigurationBounds.actions)
            if let airtime = map.jumpAirtime { try ConfigurationBounds.check("jump_airtime", airtime, in: 1...1000) }
        } catch let error as ModelConfigurationError {
            throw KeyMapError.unreadable(path, reason: error.reason)
        }
        for (name, latent) in map.controls where !(0..<map.latentActions).contains(latent) {
            throw KeyMapError.unreadable(path, reason: "control \(name) maps to latent \(latent), outside 0..<\(map.latentActions)")
        }
        return map
    }
}

import GenieMedia
import GenieModels
import GenieTensor
import GenieWorld

/// What a player sees: a learned world and the simulator, started from the same frame and
/// driven by the same controls, compared frame by frame, over the whole frame and in a box
/// around the simulator's player.
public struct RolloutScript: Sendable {
    public let name: String
    /// One control (a name of `Control.all`) per step.
    public let controls: [String]

    public init(name: String, controls: [String]) { self.name = name; self.controls = controls }

    /// The scripts `genie eval --scripted-starts` plays (their names are the JSON keys'):
    /// stand still; jump from rest, then wait; run right; run left; a mixed play whose holds
    /// of 2–6 frames come from a fixed seed, so every evaluation plays the same one.
    public static let standard: [RolloutScript] = {
        var g = RandomGenerator(seed: 64)
        var mixed: [String] = []
        while mixed.count < 64 { mixed += Array(repeating: Control.all[g.nextInt(Control.all.count)], count: 2 + g.nextInt(5)) }
        return [
            RolloutScript(name: "stand", controls: Array(repeating: Control.noop, count: 64)),
            RolloutScript(name: "jump_from_rest", controls: [Control.jump] + Array(repeating: Control.noop, count: 24)),
            RolloutScript(name: "run_right", controls: Array(repeating: Control.right, count: 32)),
            RolloutScript(name: "run_left", controls: Array(repeating: Control.left, count: 16)),
            RolloutScript(name: "mixed", controls: Array(mixed.prefix(64))),
        ]
    }()
}

/// Figures of one script, averaged over the starts.
public struct ScriptFigures: Equatable {
    /// PSNR of the whole frame at step t, for the horizons the script reaches.
    public var psnr: [Int: Double] = [:]
    /// PSNR in the simulator player's box (grown by `ScriptedRollouts.boxMargin`) at step t.
    public var playerPSNR: [Int: Double] = [:]
    /// Share of the script's frames in which the learned world shows none of the player's
    /// colours in that box (frames whose player has no colour of its own are not counted).
    public var playerMissing = 0.0
    /// Share of the starts whose last frame shows the player in the simulator player's box
    /// (for `jump_from_rest`, whose simulator player is back on the ground by then: the
    /// jump landed where it should).
    public var playerAtEnd = 0.0
    public var starts = 0
}

public enum ScriptedRollouts {
    public static let horizons = [4, 16, 32, 64]
    /// Pixels around the simulator's player box that still count as "the player's place":
    /// a learned world may draw the player a pixel or two off.
    public static let boxMargin = 2
    /// How far (largest channel difference) a pixel may be from a player colour and still
    /// count as one: the tokenizer does not return colours exactly.
    public static let colorTolerance = 32

    /// Plays every script from every start. `truth` is reset to each start seed; the learned
    /// world comes from `makeWorld(first frame, seed)` and is stepped with
    /// `action(forControl:)` of each control, as the simulator is.
    public static func evaluate(truth: World & PlayerLocating, starts: [UInt64], scripts: [RolloutScript] = RolloutScript.standard,
                                makeWorld: (_ prompt: Frame, _ seed: UInt64) throws -> World) throws -> [String: ScriptFigures] {
        precondition(!starts.isEmpty, "scripted rollouts need at least one start")
        let colors = truth.playerColors
        var figures: [String: ScriptFigures] = [:]
        for script in scripts {
            var sums = ScriptFigures(), boxCounts: [Int: Int] = [:]
            var missing = 0, looked = 0, shownAtEnd = 0, lookedAtEnd = 0
            for seed in starts {
                let first = try truth.reset(seed: seed)
                let world = try makeWorld(first, seed)
                _ = try world.reset(seed: seed)
                for (index, control) in script.controls.enumerated() {
                    let t = index + 1
                    guard let real = truth.action(forControl: control) else { throw EvaluationError.unknownControl(control) }
                    let made = try world.step(world.action(forControl: control) ?? 0)
                    let seen = try truth.step(real)
                    if horizons.contains(t) { sums.psnr[t, default: 0] += psnr(seen, made) }
                    // The player can leave the frame (falling into a gap): nothing to look at then.
                    guard let box = truth.playerBox.expanded(by: boxMargin, within: seen.width, seen.height) else { continue }
                    if horizons.contains(t) {
                        sums.playerPSNR[t, default: 0] += psnr(seen, made, in: box)
                        boxCounts[t, default: 0] += 1
                    }
                    let own = distinctiveColors(of: seen, in: box, among: colors)
                    guard !own.isEmpty else { continue }
                    looked += 1
                    let shown = shows(made, anyOf: own, in: box)
                    if !shown { missing += 1 }
                    if t == script.controls.count {
                        lookedAtEnd += 1
                        if shown { shownAtEnd += 1 }
                    }
                }
            }
            for t in sums.psnr.keys { sums.psnr[t]! /= Double(starts.count) }
            for (t, count) in boxCounts { sums.playerPSNR[t]! /= Double(count) }
            sums.playerMissing = looked > 0 ? Double(missing) / Double(looked) : 0
            sums.playerAtEnd = lookedAtEnd > 0 ? Double(shownAtEnd) / Double(lookedAtEnd) : 0
            sums.starts = starts.count
            figures[script.name] = sums
        }
        return figures
    }

    /// The player colours drawn in `box` of `frame` that appear nowhere else in the frame,
    /// so that finding one in a learned frame's box means the player and not the scenery.
    static func distinctiveColors(of frame: Frame, in box: PixelBox, among colors: Set<RGB>) -> [RGB] {
        var inside = Set<RGB>(), outside = Set<RGB>()
        for y in 0..<frame.height {
            for x in 0..<frame.width {
                let i = 3 * (y * frame.width + x)
                let c = RGB(frame.pixels[i], frame.pixels[i + 1], frame.pixels[i + 2])
                if box.contains(x: x, y: y) { if colors.contains(c) { inside.insert(c) } } else { outside.insert(c) }
            }
        }
        return inside.subtracting(outside).sorted { ($0.r, $0.g, $0.b) < ($1.r, $1.g, $1.b) }
    }

    /// Whether any pixel of `box` in `frame` is within `colorTolerance` of one of `colors`.
    static func shows(_ frame: Frame, anyOf colors: [RGB], in box: PixelBox) -> Bool {
        for y in box.y..<(box.y + box.height) {
            for x in box.x..<(box.x + box.width) {
                let i = 3 * (y * frame.width + x)
                let (r, g, b) = (Int(frame.pixels[i]), Int(frame.pixels[i + 1]), Int(frame.pixels[i + 2]))
                for c in colors where abs(r - Int(c.r)) <= colorTolerance && abs(g - Int(c.g)) <= colorTolerance
                    && abs(b - Int(c.b)) <= colorTolerance { return true }
            }
        }
        return false
    }
}

public enum EvaluationError: Error, CustomStringConvertible, Equatable {
    case unknownControl(String)

    public var description: String {
        switch self {
        case .unknownControl(let c): return "the simulator has no control named \(c)"
        }
    }
}

/// The best any learned world on a given tokenizer can do in the scripted rollouts: the
/// simulator's own frames, each encoded and decoded by the tokenizer one frame at a time with
/// rolling caches of `window` frames, the way play decodes the world's codes. Its player-box
/// PSNR is the ceiling of the learned world's.
public final class TokenizerReconstruction: World {
    let simulator: World
    let tokenizer: VideoTokenizer
    let window: Int
    private var encoderCache: TransformerCache
    private var decoder: DecoderStream

    public init(simulator: World, tokenizer: VideoTokenizer, window: Int) {
        precondition(window >= 1)
        self.simulator = simulator; self.tokenizer = tokenizer; self.window = window
        (encoderCache, decoder) = Self.streams(tokenizer, window: window)
    }

    static func streams(_ tokenizer: VideoTokenizer, window: Int) -> (TransformerCache, DecoderStream) {
        (TransformerCache(tokenizer.config.encoder, tokens: tokenizer.config.tokensPerFrame, window: window),
         DecoderStream(tokenizer: tokenizer, window: window))
    }

    public var kind: String { "reconstruction" }
    public var identity: [String: String] { simulator.identity }
    public var frameWidth: Int { simulator.frameWidth }
    public var frameHeight: Int { simulator.frameHeight }
    public var actionCount: Int { simulator.actionCount }
    public func actionName(_ index: Int) -> String { simulator.actionName(index) }
    public func action(forControl control: String) -> Int? { simulator.action(forControl: control) }

    public func reset(seed: UInt64) throws -> Frame {
        (encoderCache, decoder) = Self.streams(tokenizer, window: window)
        return reconstruct(try simulator.reset(seed: seed))
    }

    public func step(_ action: Int) throws -> Frame { reconstruct(try simulator.step(action)) }

    private func reconstruct(_ frame: Frame) -> Frame {
        let codes = tokenizer.encode(unitTensor([frame]), cache: encoderCache)
        encoderCache.commit()
        return decoder.decode(codes: codes)
    }
}

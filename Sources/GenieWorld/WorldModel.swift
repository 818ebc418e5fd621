import Foundation
import GenieMedia
import GenieModels
import GenieSupport
import GenieTensor

/// How the learned world samples frames; part of its identity, so a trace replays only
/// with the same settings.
public struct WorldModelSettings: Codable, Equatable, Sendable {
    /// MaskGIT iterations per frame and sampling temperature.
    public var maskGIT: MaskGITSettings
    /// Frames each temporal attention sees (itself included) in the dynamics model and in
    /// the tokenizer's decoder; nil = the clip length the checkpoint was trained on.
    public var dynamicsWindow: Int?
    public var decoderWindow: Int?

    public init(maskGIT: MaskGITSettings = MaskGITSettings(iterations: WorldModelSettings.defaultIterations, temperature: WorldModelSettings.defaultTemperature),
                dynamicsWindow: Int? = nil, decoderWindow: Int? = nil) {
        self.maskGIT = maskGIT; self.dynamicsWindow = dynamicsWindow; self.decoderWindow = decoderWindow
    }

    /// The default number of MaskGIT iterations per frame: 4 rather than 8 plays the shipped
    /// worlds at about 30 fps rather than 17 on 2 cores, their rollouts within half a dB of
    /// 8 (docs/training.md, "Lever: MaskGIT iterations").
    public static let defaultIterations = 4
    /// The default sampling temperature of play: at 0.5 rather than 1 the platformer's world
    /// keeps a standing player (frames without it: 8 % against 28 %) and a prompt (PSNR at
    /// t = 16: 29.6 against 26.5 dB) and follows the keys a little better; at 0.3 its world of
    /// 4,096 codes, whose probability is spread over codes split from one, follows the keys
    /// 0.5 dB closer again (docs/training.md, "Lever: the temperature of a 4,096-code world").
    public static let defaultTemperature: Float = 0.3

    /// The limits of each setting, shared by the command line and by the traces that name
    /// them: no world is played with a million iterations or a window of 10^9 frames.
    public static let iterationRange = 1...64
    public static let windowRange = 1...1024

    /// Why these settings cannot run, or nil.
    public var problem: String? {
        if !Self.iterationRange.contains(maskGIT.iterations) {
            return "MaskGIT iterations are \(maskGIT.iterations), outside \(Self.iterationRange.lowerBound)…\(Self.iterationRange.upperBound)"
        }
        if !(maskGIT.temperature >= 0 && maskGIT.temperature.isFinite) { return "the temperature is \(maskGIT.temperature), not a number >= 0" }
        for (name, window) in [("dynamics", dynamicsWindow), ("decoder", decoderWindow)] {
            if let window, !Self.windowRange.contains(window) {
                return "the \(name) window is \(window) frames, outside \(Self.windowRange.lowerBound)…\(Self.windowRange.upperBound)"
            }
        }
        return nil
    }
}

/// The frames a learned world starts from on `reset(seed:)`.
public struct WorldPrompt {
    /// Names the prompt in the world's identity ("png:<hash>", "sim-start", …).
    public let name: String
    /// The files the frames were read from, if any (so that replay can read them again).
    public let files: [String]
    /// The prompt frames for a seed (one or more, oldest first).
    public let frames: (UInt64) throws -> [Frame]

    public init(name: String, files: [String] = [], frames: @escaping (UInt64) throws -> [Frame]) {
        self.name = name; self.files = files; self.frames = frames
    }

    /// Fixed frames, whatever the seed; named by a hash of their pixels.
    public static func fixed(_ frames: [Frame], files: [String] = []) -> WorldPrompt {
        WorldPrompt(name: "frames:\(frames.count):\(pixelHash(frames))", files: files) { _ in frames }
    }

    /// FNV-1a-64 of the frames' pixels, in order: what names a prompt in a trace.
    public static func pixelHash(_ frames: [Frame]) -> String {
        var hasher = FNV1a64()
        for f in frames { hasher.add(f.pixels) }
        return hasher.hex
    }
}

/// What can go wrong building or stepping the learned world.
public enum WorldModelError: Error, CustomStringConvertible, Equatable {
    case badPrompt(String)
    case badAction(Int, count: Int)
    case notReset

    public var description: String {
        switch self {
        case .badPrompt(let r): return "bad prompt: \(r)"
        case .badAction(let a, let n): return "action \(a) is outside 0...\(n - 1)"
        case .notReset: return "the world model was stepped before reset(seed:)"
        }
    }
}

/// Wall-clock seconds of the parts of the last `reset` or `step`.
public struct WorldModelTimings: Sendable {
    /// Tokenizer encoder over the prompt (reset only).
    public var encode = 0.0
    /// MaskGIT iterations of the dynamics model.
    public var maskGIT = 0.0
    /// The pass that caches the finished frame's keys/values in the dynamics model.
    public var commit = 0.0
    /// Tokenizer decoder and conversion to RGB.
    public var decode = 0.0
}

/// The learned world (Genie's play loop) as a `World`: a prompt is tokenized once; each step
/// turns the chosen latent action into the next frame by MaskGIT decoding of its tokens with
/// the dynamics model, then the tokenizer's decoder, both with temporal KV caches so that a
/// frame costs the same at step 10 and step 10,000.
///
/// Deterministic: one seeded generator drives all sampling, so the same seed, prompt, weights,
/// settings and actions give the same frames (on the same machine and BLAS kernel).
public final class WorldModel: World {
    public let tokenizer: VideoTokenizer
    public let dynamics: DynamicsModel
    public let keyMap: LatentKeyMap?
    public let settings: WorldModelSettings
    public let prompt: WorldPrompt
    /// Windows in use (settings, or the training clip lengths).
    public let dynamicsWindow: Int
    public let decoderWindow: Int
    /// Identities of the weights ("fnv1a64:…" of the files, or "random:<seed>").
    public let weightHashes: [String: String]
    public private(set) var seed: UInt64
    /// Timings of the last reset or step.
    public private(set) var timings = WorldModelTimings()

    private var dynamicsStream: DynamicsStream?
    private var decoderStream: DecoderStream?
    private var generator = RandomGenerator(seed: 0)
    /// Steps played since the last one whose latent was a jump (nil: none since the reset).
    private var stepsSinceJump: Int?
    /// Codes of the last two frames (the one before the last, the last), for the key map's
    /// jump reader; a single prompt frame stands for both.
    private var recentCodes: (previous: [Int32], current: [Int32])?

    /// Builds the world from loaded models, checking that they belong together.
    /// `weightHashes` should hold "tokenizer" and "dynamics" (and "keymap" when there is one).
    public init(tokenizer: VideoTokenizer, dynamics: DynamicsModel, keyMap: LatentKeyMap?, settings: WorldModelSettings = WorldModelSettings(),
                prompt: WorldPrompt, weightHashes: [String: String], trainedWindows: (dynamics: Int, decoder: Int) = (16, 16),
                seed: UInt64 = 0) throws {
        let t = tokenizer.config, d = dynamics.config
        guard t.codebookSize == d.codebookSize else {
            throw CheckpointError.mismatched("the tokenizer has \(t.codebookSize) codes but the dynamics model predicts \(d.codebookSize)")
        }
        guard t.tokensPerFrame == d.tokensPerFrame else {
            throw CheckpointError.mismatched("the tokenizer makes \(t.tokensPerFrame) tokens per frame (\(t.frameWidth)x\(t.frameHeight), patch \(t.patch)) but the dynamics model expects \(d.tokensPerFrame)")
        }
        guard t.channels == 3 else { throw CheckpointError.mismatched("the tokenizer has \(t.channels) channels; play needs RGB") }
        if let keyMap, keyMap.latentActions != d.actions {
            throw CheckpointError.mismatched("the key map is for \(keyMap.latentActions) latent actions but the dynamics model has \(d.actions)")
        }
        if let reader = keyMap?.jumpReader, reader.tokensPerFrame != t.tokensPerFrame || reader.codebookSize != t.codebookSize {
            throw CheckpointError.mismatched("the key map's jump reader reads \(reader.tokensPerFrame) tokens of \(reader.codebookSize) codes a frame but the tokenizer makes \(t.tokensPerFrame) of \(t.codebookSize)")
        }
        guard (1...8).contains(d.actions) else { throw CheckpointError.mismatched("the dynamics model has \(d.actions) actions; play supports 1 to 8") }
        if let problem = settings.problem { throw CheckpointError.mismatched(problem) }
        self.tokenizer = tokenizer; self.dynamics = dynamics; self.keyMap = keyMap; self.settings = settings
        self.prompt = prompt; self.weightHashes = weightHashes; self.seed = seed
        dynamicsWindow = max(1, settings.dynamicsWindow ?? trainedWindows.dynamics)
        decoderWindow = max(1, settings.decoderWindow ?? trainedWindows.decoder)
    }

    /// Loads the tokenizer and dynamics checkpoints (and the key map, if a path is given).
    public static func load(tokenizerPath: String, dynamicsPath: String, keyMapPath: String?, settings: WorldModelSettings = WorldModelSettings(),
                            prompt: WorldPrompt, seed: UInt64 = 0) throws -> WorldModel {
        let (tokenizer, tokenizerFile) = try Checkpoint.loadTokenizer(tokenizerPath)
        let (dynamics, dynamicsFile) = try Checkpoint.loadDynamics(dynamicsPath)
        var hashes = ["tokenizer": try fileFingerprint(tokenizerPath), "dynamics": try fileFingerprint(dynamicsPath)]
        var keyMap: LatentKeyMap?
        if let keyMapPath {
            keyMap = try LatentKeyMap.load(keyMapPath)
            hashes["keymap"] = try fileFingerprint(keyMapPath)
        }
        let windows = (trainingClipLength(dynamicsFile.metadata), trainingClipLength(tokenizerFile.metadata))
        return try WorldModel(tokenizer: tokenizer, dynamics: dynamics, keyMap: keyMap, settings: settings, prompt: prompt,
                              weightHashes: hashes, trainedWindows: windows, seed: seed)
    }

    // MARK: World

    public let kind = "model"

    public var identity: [String: String] {
        var id = weightHashes
        id["keymap"] = id["keymap"] ?? "none"
        id["prompt"] = prompt.name
        if !prompt.files.isEmpty { id["prompt_files"] = prompt.files.joined(separator: "\n") }
        id["seed"] = String(seed)
        id["iterations"] = String(settings.maskGIT.iterations)
        id["temperature"] = String(settings.maskGIT.temperature)
        id["dynamics_window"] = String(dynamicsWindow)
        id["decoder_window"] = String(decoderWindow)
        return id
    }

    public var frameWidth: Int { tokenizer.config.frameWidth }
    public var frameHeight: Int { tokenizer.config.frameHeight }
    public var actionCount: Int { dynamics.config.actions }

    /// "latent 5" or, when the key map names it, "latent 5 right".
    public func actionName(_ index: Int) -> String {
        let names = keyMap?.controls(forLatent: index) ?? []
        return names.isEmpty ? "latent \(index)" : "latent \(index) \(names.joined(separator: "/"))"
    }

    /// The key map's latent for `control` now: a jump pressed while the player is in the air
    /// (as the key map's jump reader reads the last two frames, or within the airtime after
    /// the world's last jump) plays its counterpart without the jump (`LatentKeyMap.latent`).
    public func action(forControl control: String) -> Int? {
        keyMap?.latent(forControl: control, lastJumpStepsAgo: stepsSinceJump.map { $0 + 1 }, recentCodes: recentCodes)
    }

    /// The BLAS kernel and thread count now in use: the thread count splits the products
    /// differently, so frames depend on it in their last bits.
    public var numerics: Trace.Numerics? { Trace.Numerics(blasKernel: BLASInfo.coreName, blasThreads: BLASInfo.threads) }

    /// Sets this process's BLAS thread count to the one `trace` was recorded with, so that
    /// replay makes its frames again byte for byte. Returns a note when the recorded kernel
    /// is not this machine's (the frames may then differ a little), else nil.
    public static func adoptNumerics(of trace: Trace) -> String? {
        guard let recorded = trace.numerics else { return nil }
        BLASInfo.setThreads(recorded.blasThreads)
        let kernel = BLASInfo.coreName
        return recorded.blasKernel == kernel ? nil
            : "note: the trace was recorded with the OpenBLAS \(recorded.blasKernel) kernel and replays with \(kernel): frames may differ slightly"
    }

    /// The latent that stands between consecutive prompt frames (their true actions are
    /// unknown): the key map's noop, else latent 0.
    public var promptAction: Int { action(forControl: Control.noop) ?? 0 }

    public func reset(seed: UInt64) throws -> Frame {
        self.seed = seed
        generator = RandomGenerator(seed: seed)
        stepsSinceJump = nil
        recentCodes = nil
        // A prompt of any size is centre-cropped and area-averaged to the model's frames.
        let size = FrameSize(width: frameWidth, height: frameHeight)
        let frames = try prompt.frames(seed).map { $0.fitted(to: size) }
        guard !frames.isEmpty else { throw WorldModelError.badPrompt("no prompt frames") }
        var timings = WorldModelTimings()
        var clock = Stopwatch()
        // The encoder runs once, over the whole prompt.
        let codes = tokenizer.encode(unitTensor(frames))
        timings.encode = clock.lap()
        let dynamicsStream = DynamicsStream(model: dynamics, window: dynamicsWindow)
        let decoderStream = DecoderStream(tokenizer: tokenizer, window: decoderWindow)
        let s = tokenizer.config.tokensPerFrame
        var last: Frame?
        for p in 0..<frames.count {
            let frameCodes = Array(codes[(p * s)..<((p + 1) * s)])
            dynamicsStream.append(tokens: frameCodes, action: p == 0 ? dynamics.noAction : Int32(promptAction))
            timings.commit += clock.lap()
            last = decoderStream.decode(codes: frameCodes)
            timings.decode += clock.lap()
            recentCodes = (recentCodes?.current ?? frameCodes, frameCodes)
        }
        self.dynamicsStream = dynamicsStream
        self.decoderStream = decoderStream
        self.timings = timings
        return last!
    }

    public func step(_ action: Int) throws -> Frame {
        guard (0..<actionCount).contains(action) else { throw WorldModelError.badAction(action, count: actionCount) }
        guard let dynamicsStream, let decoderStream else { throw WorldModelError.notReset }
        var timings = WorldModelTimings()
        var clock = Stopwatch()
        let tokens = dynamicsStream.sampleTokens(action: Int32(action), settings: settings.maskGIT, generator: &generator)
        timings.maskGIT = clock.lap()
        dynamicsStream.append(tokens: tokens, action: Int32(action))
        timings.commit = clock.lap()
        let frame = decoderStream.decode(codes: tokens)
        timings.decode = clock.lap()
        self.timings = timings
        stepsSinceJump = keyMap?.isJump(action) == true ? 0 : stepsSinceJump.map { $0 + 1 }
        recentCodes = (recentCodes?.current ?? tokens, tokens)
        return frame
    }

    /// Absolute index of the next frame (prompt frames count).
    public var frameIndex: Int { dynamicsStream?.nextFrame ?? 0 }
}

/// Frames per clip the checkpoint was trained on (the `clip` the trainer stores in its
/// metadata); 16, the trainer's default, when absent or outside the window limits (a damaged
/// or edited file). Each temporal attention has only ever seen distances below this, so it
/// is the natural window at play time.
public func trainingClipLength(_ metadata: [String: String]) -> Int {
    guard let n = metadata["clip"].flatMap({ Int($0) }), WorldModelSettings.windowRange.contains(n) else { return 16 }
    return n
}

/// "fnv1a64:<16 hex digits>" of a file's bytes.
public func fileFingerprint(_ path: String) throws -> String {
    let data: Data
    do { data = try RegularFile.read(path, limit: SafeTensorsFile.maximumFileBytes) } catch {
        throw CheckpointError.badConfig(path, reason: "cannot read the file: \(error)")
    }
    var h = FNV1a64()
    data.withUnsafeBytes { h.add($0) }
    return "fnv1a64:" + h.hex
}

/// Seconds between laps, for the world's timings.
struct Stopwatch {
    private var last = DispatchTime.now().uptimeNanoseconds
    init() {}
    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) / 1e9
    }
}

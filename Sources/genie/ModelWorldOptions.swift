import ArgumentParser
import Foundation
import GenieMedia
import GenieModels
import GenieSupport
import GenieWorld
import Platformer

/// Options that pick and tune the learned world: shared by `play`, `generate` and `bench play`.
struct ModelWorldOptions: ParsableArguments {
    @Option(name: .customLong("weights"),
            help: "Folder holding tokenizer.safetensors, dynamics.safetensors and (optionally) keymap.json and prompts/*.png (default: GENIE_WEIGHTS, else ./weights, else the repository's weights/; for `bench play`: random default-size models).")
    var weightsOption: String?

    var weights: String { Self.weightsFolder(weightsOption) }

    /// The weights folder: the explicit one, else GENIE_WEIGHTS, else ./weights when it
    /// exists, else weights/ of the repository this binary was built from (so `genie play`
    /// works from any folder after `swift build`).
    static func weightsFolder(_ explicit: String?) -> String {
        if let explicit { return explicit }
        if let fromEnvironment = ProcessInfo.processInfo.environment["GENIE_WEIGHTS"] { return fromEnvironment }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: "weights", isDirectory: &isDirectory), isDirectory.boolValue { return "weights" }
        return repositoryWeights
    }

    static let repositoryWeights = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("weights").path

    @Option(parsing: .upToNextOption, help: "Prompt PNG frame(s), oldest first, any size (centre-cropped and area-averaged to the model's frame). Default: the weights folder's prompts/*.png, the seed picking one, else the simulator's start frame for the seed.")
    var prompt: [String] = []

    @Option(help: "MaskGIT iterations per frame.")
    var iterations = WorldModelSettings.defaultIterations

    @Option(help: "Sampling temperature (0 = most likely code).")
    var temperature: Float = WorldModelSettings.defaultTemperature

    @Option(help: "Frames the dynamics model's temporal attention sees (default: its training clip length).")
    var dynamicsWindow: Int?

    @Option(help: "Frames the tokenizer decoder's temporal attention sees (default: its training clip length).")
    var decoderWindow: Int?

    /// The bounds of --iterations and --temperature, for every command that samples.
    static func validateSampling(iterations: Int, temperature: Float) throws {
        let iterationRange = WorldModelSettings.iterationRange
        guard iterationRange.contains(iterations) else {
            throw ValidationError("--iterations must be between \(iterationRange.lowerBound) and \(iterationRange.upperBound), got \(iterations)")
        }
        guard temperature >= 0, temperature.isFinite else { throw ValidationError("--temperature must be >= 0, got \(temperature)") }
    }

    func validate() throws {
        try Self.validateSampling(iterations: iterations, temperature: temperature)
        let windowRange = WorldModelSettings.windowRange
        for (name, w) in [("--dynamics-window", dynamicsWindow), ("--decoder-window", decoderWindow)] {
            if let w, !windowRange.contains(w) {
                throw ValidationError("\(name) must be between \(windowRange.lowerBound) and \(windowRange.upperBound), got \(w)")
            }
        }
    }

    var settings: WorldModelSettings {
        WorldModelSettings(maskGIT: MaskGITSettings(iterations: iterations, temperature: temperature),
                           dynamicsWindow: dynamicsWindow, decoderWindow: decoderWindow)
    }

    /// Whether `weights` holds a playable model (tokenizer and dynamics checkpoints).
    static func hasModel(_ directory: String) -> Bool {
        ["tokenizer.safetensors", "dynamics.safetensors"].allSatisfy {
            FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0))
        }
    }

    /// Loads the learned world from `weights` with the prompt and settings of these options.
    func makeWorld(seed: UInt64) throws -> WorldModel {
        try ModelWorldLoader.load(weights: weights, promptFiles: prompt, settings: settings, seed: seed)
    }
}

/// Builds `WorldModel`s for the CLI: resolves the weight files and the prompt.
enum ModelWorldLoader {
    /// The prompt named in an identity: "sim-start" (the simulator's first frame for the
    /// seed) or PNG files.
    static func prompt(files: [String], weights: String) throws -> WorldPrompt {
        if files.isEmpty { return try weightsPrompts(weights) ?? simulatorStartPrompt() }
        let absolute = files.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        return .fixed(try readPromptFrames(absolute), files: absolute)
    }

    /// The PNG frames at `paths`; the first unreadable one is a `badPrompt` naming it.
    static func readPromptFrames(_ paths: [String]) throws -> [Frame] {
        try paths.map { path in
            do { return try PNG.read(path) } catch { throw ModelWorldError.badPrompt("\(error)") }
        }
    }

    /// The simulator's start frame for the seed: a different level for every seed.
    static func simulatorStartPrompt() -> WorldPrompt {
        WorldPrompt(name: "sim-start") { seed in
            do { return [try PlatformerWorld(seed: seed).reset(seed: seed)] } catch {
                throw ModelWorldError.badPrompt("cannot render the simulator's start frame for the default prompt (\(error)); pass --prompt PNG")
            }
        }
    }

    /// Name prefix of the prompts shipped in a weights folder (a world of another game's
    /// footage has no simulator to draw its first frame).
    static let weightsPromptsName = "weights-prompts"

    /// The weights folder's prompts/*.png (sorted by name), one a seed (seed modulo their
    /// count), or nil when the folder has none. Named by a hash of all their pixels, so that
    /// a trace recorded with other prompts does not replay.
    static func weightsPrompts(_ weights: String) throws -> WorldPrompt? {
        let folder = (weights as NSString).appendingPathComponent("prompts")
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else { return nil }
        // A `prompts` file is a mistake to name, not a reason to play another prompt.
        guard isFolder.boolValue else { throw ModelWorldError.badPrompt("\(folder) is a file, not a folder of PNG frames") }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw ModelWorldError.badPrompt("cannot read \(ErrorMessage.fileSystemReason(error) ?? "\(folder): \(error)")")
        }
        let paths = names.filter { $0.lowercased().hasSuffix(".png") }.sorted().map { (folder as NSString).appendingPathComponent($0) }
        guard !paths.isEmpty else { return nil }
        let frames = try readPromptFrames(paths)
        return WorldPrompt(name: "\(weightsPromptsName):\(frames.count):\(WorldPrompt.pixelHash(frames))") { seed in
            [frames[Int(seed % UInt64(frames.count))]]
        }
    }

    static func load(weights: String, promptFiles: [String], settings: WorldModelSettings, seed: UInt64) throws -> WorldModel {
        func file(_ name: String) -> String { (weights as NSString).appendingPathComponent(name) }
        for name in ["tokenizer.safetensors", "dynamics.safetensors"] where !FileManager.default.fileExists(atPath: file(name)) {
            throw ModelWorldError.missingWeights(weights, file: name)
        }
        let keyMap = FileManager.default.fileExists(atPath: file("keymap.json")) ? file("keymap.json") : nil
        return try WorldModel.load(tokenizerPath: file("tokenizer.safetensors"), dynamicsPath: file("dynamics.safetensors"),
                                   keyMapPath: keyMap, settings: settings, prompt: try prompt(files: promptFiles, weights: weights), seed: seed)
    }
}

extension ModelWorldLoader {
    /// The learned world a trace was recorded on, rebuilt from its identity with the weights
    /// in `weights`; a trace made with other weights, another prompt or other sampling
    /// settings gets a `TraceError.worldMismatch` that says which.
    static func make(for trace: Trace, traceName: String, weights: String = "weights") throws -> WorldModel {
        let id = trace.world.identity
        func need(_ key: String) throws -> String {
            guard let v = id[key] else { throw TraceError.worldMismatch(traceName, reason: "a \"model\" trace needs \"\(key)\" in its world identity") }
            return v
        }
        guard let iterations = Int(try need("iterations")), let temperature = Float(try need("temperature")),
              let dynamicsWindow = Int(try need("dynamics_window")), let decoderWindow = Int(try need("decoder_window")) else {
            throw TraceError.worldMismatch(traceName, reason: "its sampling settings (iterations, temperature, windows) are not valid numbers")
        }
        let promptName = try need("prompt")
        let isDefaultPrompt = promptName == "sim-start" || promptName.hasPrefix(weightsPromptsName + ":")
        let files = isDefaultPrompt ? [] : (id["prompt_files"] ?? "").split(separator: "\n").map(String.init)
        let settings = WorldModelSettings(maskGIT: MaskGITSettings(iterations: iterations, temperature: temperature),
                                          dynamicsWindow: dynamicsWindow, decoderWindow: decoderWindow)
        // The same limits as the command line's, checked before any weights are loaded.
        if let problem = settings.problem { throw TraceError.invalidValue(traceName, field: "world.identity", reason: problem) }
        let world = try load(weights: weights, promptFiles: files, settings: settings, seed: trace.seed)
        for key in ["tokenizer", "dynamics", "keymap"] where world.identity[key] != id[key] {
            throw TraceError.worldMismatch(traceName, reason: "the trace was recorded with other weights: \(key) is \(id[key] ?? "missing") in the trace but \(world.identity[key] ?? "missing") in \(weights)")
        }
        try trace.check(against: world, name: traceName)
        return world
    }
}

/// Why the learned world cannot be built from the command line.
enum ModelWorldError: Error, CustomStringConvertible {
    case missingWeights(String, file: String)
    case badPrompt(String)

    var description: String {
        switch self {
        case .missingWeights(let dir, let file):
            return "no trained world in \(dir): \(file) is missing (train one, see docs/training.md, or pass --weights DIR)"
        case .badPrompt(let r): return "bad prompt: \(r)"
        }
    }
}

import ArgumentParser
import Foundation
import GenieMedia
import GenieTerminal

/// `genie play`: play a world in the terminal, optionally recording PNGs and a trace.
struct PlayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Play a world in the terminal (half-block picture; keys pick actions).",
        discussion: """
        Keys: ←/→ or A/D move; ↑, W or space jump; a jump within 0.3 s of a direction (either \
        order) or Shift+←/→ (also capital A/D) jumps sideways; ↓/S waits (noop); digits 1-8 \
        take raw action 0-7; p pauses; r starts/stops recording; q or Esc quits.
        Real-time mode ticks --fps times a second (no key = noop); --step advances only on a key.
        """)

    @Option(help: "The world to play: \(WorldFactory.knownKinds.joined(separator: ", ")) (default: model when the weights folder holds one, else sim).")
    var world: String?

    @Option(help: "Seed passed to the world's reset.")
    var seed: UInt64 = 0

    @Option(help: "Record every frame shown as DIR/frame_NNNNN.png plus DIR/trace.json.")
    var record: String?

    @Option(help: "Ticks per second in real-time mode.")
    var fps: Double = 10

    @Flag(help: "Step mode: advance only when an action key is pressed.")
    var step = false

    @OptionGroup(title: "Learned world (--world model)") var model: ModelWorldOptions

    @Option(help: "Largest picture scale (default: as large as the terminal allows).")
    var maxScale: Int?

    func validate() throws {
        guard fps > 0, fps <= 240 else { throw ValidationError("--fps must be between 0 and 240, got \(fps)") }
        if let maxScale, maxScale < 1 { throw ValidationError("--max-scale must be at least 1") }
    }

    func run() throws {
        try Screen.requireTerminal()
        let kind = world ?? (ModelWorldOptions.hasModel(model.weights) ? "model" : "sim")
        if world == nil && kind == "sim" {
            FileHandle.standardError.write(Data("no trained model in \(model.weights): playing the simulator (--world sim)\n".utf8))
        }
        let playWorld = try WorldFactory.make(kind: kind, seed: seed, model: model)
        if let record { try SessionRecorder.prepare(directory: record) }
        let location = kind == "model" ? URL(fileURLWithPath: model.weights).standardizedFileURL.path : nil
        let session = PlaySession(world: playWorld, settings: PlaySettings(
            fps: fps, stepMode: step, seed: seed, recordDirectory: record, maxScale: maxScale, worldLocation: location))
        let status = try session.run()
        if let record, FileManager.default.fileExists(atPath: record + "/trace.json") {
            FileHandle.standardError.write(Data("recording saved in \(record)\n".utf8))
        }
        if status != 0 { throw ExitCode(status) }
    }
}

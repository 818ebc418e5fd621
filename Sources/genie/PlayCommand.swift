import ArgumentParser
import Foundation
import GenieMedia
import GenieSupport
import GenieTensor
import GenieTerminal

/// `genie play`: play a world in the terminal, optionally recording PNGs and a trace.
struct PlayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Play a world in the terminal (block-character picture; keys pick actions).",
        discussion: """
        Keys: ←/→ or A/D move; ↑, W or space jump; a jump within 0.3 s of a direction (either \
        order) or Shift+←/→ (also capital A/D) jumps sideways; ↓/S waits (noop); digits 1-8 \
        take raw action 0-7; p pauses; r starts/stops recording; q or Esc quits.
        Real-time mode ticks --fps times a second (no key = noop); --step advances only on a \
        key. A slow world drops frames, never queues keys: the keys typed while a frame is made \
        are answered by the next frame. When other work keeps the cores busy, the learned \
        world plays with fewer BLAS threads, which stutters less (OPENBLAS_NUM_THREADS chooses).
        Any terminal from 40x12 plays: the picture takes the largest size that fits. Colour is \
        detected (COLORTERM, terminfo RGB/Tc, tmux's client features; NO_COLOR turns it off) \
        unless --color says otherwise.
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

    @Option(help: "Largest integer picture scale (default: as large as the terminal allows).")
    var maxScale: Int?

    @Option(help: "Colours: auto, truecolor, 256, 16 or none (characters only). auto takes the best the terminal supports, none when NO_COLOR is set.")
    var color: ColorRequest = .auto

    @Option(help: "Picture characters: auto, half (▀, 1x2 pixels a cell), quadrant (2x2) or sextant (2x3, needs a font with Unicode 13 sextants). auto uses half blocks, quadrants when the picture is shrunk.")
    var glyphs: GlyphChoice = .auto

    func validate() throws {
        guard fps >= 0.1, fps <= 240 else { throw ValidationError("--fps must be between 0.1 and 240, got \(fps)") }
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
        if kind == "model" {
            for line in KernelReport.lines() { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            Self.chooseBLASThreads()
        }
        let session = PlaySession(world: playWorld, settings: PlaySettings(
            fps: fps, stepMode: step, seed: seed, recordDirectory: record, maxScale: maxScale, worldLocation: location,
            colorRequest: color, glyphs: glyphs.mode))
        let status = try session.run()
        if let record, FileManager.default.fileExists(atPath: record + "/trace.json") {
            FileHandle.standardError.write(Data("recording saved in \(record)\n".utf8))
        }
        if status != 0 { throw ExitCode(status) }
    }
}

extension PlayCommand {
    /// Fewer BLAS threads when other work keeps the cores busy (see `BLASInfo.playThreads`),
    /// said once. The trace records the count, so such a session still replays exactly.
    static func chooseBLASThreads() {
        let current = BLASInfo.threads, chosenByUser = BLASInfo.threadsChosenByUser
        // Sample the load (a quarter of a second) only where the answer can change.
        guard current > 1, !chosenByUser, let load = SystemLoad.coresBusy(over: 0.25) else { return }
        let chosen = BLASInfo.playThreads(current: current, load: load, chosenByUser: chosenByUser)
        guard chosen != current else { return }
        BLASInfo.setThreads(chosen)
        let busy = String(format: "%.1f", load.busy), threads = chosen == 1 ? "1 BLAS thread" : "\(chosen) BLAS threads"
        let line = "other work keeps \(busy) of \(load.cores) cores busy: playing with \(threads), which stutters less (OPENBLAS_NUM_THREADS=\(current) to choose)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}

extension ColorRequest: ExpressibleByArgument {}

/// `--glyphs`: a glyph mode or automatic.
enum GlyphChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, half, quadrant, sextant
    var mode: GlyphMode? { GlyphMode(rawValue: rawValue) }
}

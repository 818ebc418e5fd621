import ArgumentParser
import Foundation
import GenieMedia
import GenieSupport
import GenieTerminal
import GenieWorld

/// `genie replay`: rebuild the world a trace was recorded on and replay its actions, in the
/// terminal or headless to PNG files.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a recorded trace in the terminal, or write its frames as PNGs with --out.")

    @Argument(help: "A trace.json file, or the recording folder that holds one.")
    var trace: String

    @Option(help: "Playback speed relative to the recorded timing.")
    var speed: Double = 1

    @Option(help: "Show frames at this fixed rate instead of the recorded timing.")
    var fps: Double?

    @Option(help: "Write frame_NNNNN.png files into this folder instead of using the terminal.")
    var out: String?

    @Option(help: "For a trace of the learned world: the folder holding its weights (default: the folder the trace was recorded with, if it is still there; else GENIE_WEIGHTS, else ./weights, else the repository's weights/).")
    var weights: String?

    @Flag(help: "With --out: write every frame, not only those the recording wrote.")
    var allFrames = false

    func validate() throws {
        guard speed >= 0.01, speed <= 100 else { throw ValidationError("--speed must be between 0.01 and 100, got \(speed)") }
        if let fps, !(fps >= 0.1 && fps <= 1000) { throw ValidationError("--fps must be between 0.1 and 1000, got \(fps)") }
    }

    func run() throws {
        if out == nil { try Screen.requireTerminal() }
        let loaded = try Trace.load(trace)
        if let note = WorldModel.adoptNumerics(of: loaded) { FileHandle.standardError.write(Data((note + "\n").utf8)) }
        let world = try WorldFactory.make(for: loaded, traceName: trace, weights: Self.weightsFolder(weights, for: loaded))
        if let out {
            let written = try Self.writeFrames(of: loaded, traceName: trace, world: world, to: out, allFrames: allFrames)
            print("wrote \(written) frames to \(out)")
            return
        }
        let status = try ReplayViewer(trace: loaded, traceName: trace, world: world, speed: speed, fps: fps).run()
        if status != 0 { throw ExitCode(status) }
    }

    /// The weights for a trace: the folder given, else the one it was recorded with while
    /// that still holds a model, else the usual default.
    static func weightsFolder(_ explicit: String?, for trace: Trace) -> String {
        if explicit == nil, let recorded = trace.world.location, ModelWorldOptions.hasModel(recorded) { return recorded }
        return ModelWorldOptions.weightsFolder(explicit)
    }

    /// Replays `trace` on `world` and writes the recorded frames (or all) as PNGs; returns how many.
    static func writeFrames(of trace: Trace, traceName: String, world: any World, to directory: String,
                            allFrames: Bool) throws -> Int {
        try Folder.create(directory)
        var written = 0
        // Steps past the last frame to write cannot change what is written: stop there.
        guard let last = allFrames ? trace.frameCount - 1 : trace.lastRecordedFrame else { return 0 }
        try trace.replay(on: world, name: traceName, through: last) { index, frame in
            if allFrames || trace.wasRecorded(index) {
                try PNG.write(frame, to: (directory as NSString).appendingPathComponent(Trace.frameFileName(index)))
                written += 1
            }
            return true
        }
        return written
    }
}

import ArgumentParser
import Foundation
import GenieMedia
import GenieSupport
import GenieTraining
import Platformer

/// `genie data …`: platformer datasets for training, and pictures of them.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Record platformer episodes as PNG datasets, import video files as episodes, and draw contact sheets.",
        subcommands: [DataGenerate.self, DataImport.self, DataContactSheet.self])
}

/// `genie data generate`: episodes of the built-in platformer, with true actions and their
/// equivalence classes, recorded on both cores.
struct DataGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Record simulator episodes as DIR/episode_NNNNN/frame_NNNNN.png + actions.csv, and DIR/manifest.json.")

    @Option(help: "Output folder (created; must be empty unless --force).")
    var out: String

    @Option(help: "Number of episodes.")
    var episodes: Int

    @Option(help: "Frames per episode.")
    var frames: Int

    @Option(help: "Dataset seed; episode i is played from a seed derived from (seed, i).")
    var seed: UInt64

    @Option(help: "Who plays: random (actions held for 1-10 frames), explorer (runs right, jumps obstacles), roamer (random, held 1-3 frames, starting somewhere along the level) or idler (stands 8-40 frames at a time, jumps from rest, short walks; along the level).")
    var policy: String = "explorer"

    @Option(help: "Frame width in pixels.")
    var width: Int = 64

    @Option(help: "Frame height in pixels (a multiple of 8).")
    var height: Int = 64

    @Option(help: "Camera: follow (always centred on the player; brick beyond the level's ends; the shipped world's) or clamped (centred, but kept inside the level: near a level's ends the sprite walks across a still scene; the data of the worlds before 2026-12-06).")
    var camera: PlatformerGame.Camera = .standard

    @Option(help: "Worker threads (default: one per core).")
    var workers: Int?

    /// The worker threads to run.
    var workerCount: Int { workers ?? ProcessInfo.processInfo.activeProcessorCount }

    @Option(help: "Assets folder (default: GENIE_ASSETS, else the repository's assets/).")
    var assets: String?

    @Flag(help: "Write into a non-empty output folder, replacing a dataset already there.")
    var force = false

    func validate() throws {
        guard episodes >= 1 else { throw ValidationError("--episodes must be at least 1") }
        guard frames >= 2 else { throw ValidationError("--frames must be at least 2") }
        guard episodes <= 99_999, frames <= 99_999 else { throw ValidationError("--episodes and --frames are at most 99999") }
        guard PolicyKind(rawValue: policy) != nil else {
            throw ValidationError("unknown --policy \"\(policy)\" (known: \(PolicyKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard width >= 16, width <= 4096, height >= 48, height <= 4096, height % 8 == 0 else {
            throw ValidationError("--width must be 16...4096 and --height a multiple of 8 in 48...4096")
        }
        guard workerCount >= 1 else { throw ValidationError("--workers must be at least 1") }
    }

    func run() throws {
        let spec = DatasetSpec(episodes: episodes, frames: frames, seed: seed, policy: PolicyKind(rawValue: policy)!,
                               width: width, height: height, camera: camera)
        let art = try userFacing { try PlatformerAssets.load(explicitPath: assets) }
        let bar = ProgressBar(label: "generating", unit: "frames", plainInterval: 5)
        let start = Date()
        let written = try userFacing {
            try DatasetWriter.generate(spec: spec, out: out, assets: art, force: force, workers: workerCount) { done, total in
                bar.update(done, of: total)
            }
        }
        bar.finish()
        let seconds = Date().timeIntervalSince(start)
        print("wrote \(written) frames (\(episodes) episodes x \(frames)) to \(out) in \(String(format: "%.2f", seconds)) s: "
              + "\(String(format: "%.0f", Double(written) / max(seconds, 1e-9))) frames/s with \(min(workerCount, episodes)) workers")
    }
}

/// `genie data contact-sheet`: a grid of frames for the docs: the simulator's themes, or
/// the episodes of any data folder.
struct DataContactSheet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contact-sheet",
        abstract: "Write a PNG grid of frames: one row per simulator theme (or, with --data, per episode), columns at increasing times.")

    @Option(help: "Output PNG file.")
    var out: String

    @Option(help: "Draw the episodes of this data folder (any frame size) instead of the simulator.")
    var data: String?

    @Option(help: "With --data: episodes (rows) to draw.")
    var rows: Int = 4

    @Option(help: "With --data: frames (columns) per episode, spread evenly from its first frame to its last.")
    var columns: Int = 8

    @Option(help: ArgumentHelp("With --data: the size each frame is drawn at, before --scale; frames of another aspect are centre-cropped (not letterboxed), then area-averaged.", valueName: "WxH"))
    var frameSize: String = "64x64"

    @Option(help: "Seed (each row derives its own world seed from it).")
    var seed: UInt64 = 1

    @Option(help: "Pixel scale of each frame.")
    var scale: Int = 2

    @Option(help: "Assets folder (default: GENIE_ASSETS, else the repository's assets/).")
    var assets: String?

    func validate() throws {
        guard (1...8).contains(scale) else { throw ValidationError("--scale must be 1...8") }
        guard (1...64).contains(rows), (1...64).contains(columns) else { throw ValidationError("--rows and --columns must be 1...64") }
        guard FrameSize(parsing: frameSize) != nil else { throw ValidationError("--frame-size must be WxH or N, e.g. 64x64") }
    }

    func run() throws {
        let sheet: Frame
        if let data {
            let dataset = try VideoDataset(root: data, maxEpisodes: rows, frameSize: FrameSize(parsing: frameSize)!)
            // Columns spread over each episode, first and last frame included.
            let grid = dataset.episodes.map { episode in
                (0..<columns).map { c in episode.frames[columns == 1 ? 0 : c * (episode.frames.count - 1) / (columns - 1)] }
            }
            sheet = FrameGrid.make(grid, scale: scale)
        } else {
            sheet = try userFacing {
                let game = try PlatformerGame(assets: try PlatformerAssets.load(explicitPath: assets))
                return ContactSheet.make(game: game, seed: seed, scale: scale)
            }
        }
        try userFacing { try PNG.write(sheet, to: out) }
        print("wrote \(out) (\(sheet.width)x\(sheet.height))")
    }
}

/// `genie data import`: a video file (MP4, WebM, GIF, anything ffmpeg reads) becomes one
/// episode folder of PNG frames, so that screen recordings become training data.
struct DataImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn a video file (MP4, WebM, GIF, ...) into an episode folder of PNG frames through ffmpeg.",
        discussion: """
        Needs ffmpeg on PATH (Debian/Ubuntu: sudo apt-get install ffmpeg). Frames are taken at \
        --fps, centre-cropped to the aspect of --frame-size (not letterboxed) and area-averaged \
        to it, and written as OUT/frame_NNNNN.png. The episode has no actions.csv: Genie learns \
        from the video alone.
        """)

    @Argument(help: "The video file.")
    var video: String

    @Option(help: "Episode folder to write (created; must be empty unless --force).")
    var out: String

    @Option(help: "Frames per second taken from the video.")
    var fps: Double = 15

    @Option(help: ArgumentHelp("Size of the frames written.", valueName: "WxH"))
    var frameSize: String = "64x64"

    @Option(help: "Stop after this many frames.")
    var maxFrames: Int = 99_999

    @Flag(help: "Replace the frames of a non-empty --out.")
    var force = false

    func validate() throws {
        guard fps > 0, fps <= 240 else { throw ValidationError("--fps must be in (0, 240]") }
        guard FrameSize(parsing: frameSize) != nil else { throw ValidationError("--frame-size must be WxH or N, e.g. 64x64") }
        guard (1...99_999).contains(maxFrames) else { throw ValidationError("--max-frames must be 1...99999") }
    }

    func run() throws {
        let size = FrameSize(parsing: frameSize)!
        guard FileManager.default.isReadableFile(atPath: video) else { throw DataCommandFailure(message: "cannot read the video file \(video)") }
        guard let ffmpeg = VideoImport.findExecutable("ffmpeg") else {
            throw DataCommandFailure(message: "genie data import needs ffmpeg, which is not on PATH (Debian/Ubuntu: sudo apt-get install ffmpeg)")
        }
        try VideoImport.prepare(out: out, force: force)
        let result = try VideoImport.run(ffmpeg: ffmpeg, video: video, out: out, fps: fps, size: size, maxFrames: maxFrames)
        guard result.frames > 0 else {
            throw DataCommandFailure(message: "ffmpeg made no frames from \(video)\(result.message.isEmpty ? "" : ": " + result.message)")
        }
        print("wrote \(result.frames) frames of \(size) at \(fps) fps to \(out)")
    }
}

/// Runs ffmpeg for `genie data import`.
enum VideoImport {
    static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Makes `out`, refusing a folder that holds anything unless `force`; with `force`
    /// removes only the frames a previous import wrote.
    static func prepare(out: String, force: Bool) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw DataCommandFailure(message: "--out \(out) is a file, not a folder") }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
            if !names.isEmpty {
                guard force else { throw DataCommandFailure(message: "--out \(out) is not empty (pass --force to replace its frames)") }
                for name in names where name.hasPrefix("frame_") && name.hasSuffix(".png") {
                    try? FileManager.default.removeItem(atPath: out + "/" + name)
                }
            }
        }
        do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
            throw DataCommandFailure(message: "cannot create the folder \(out)")
        }
    }

    /// ffmpeg's own scaler does the crop and the area filter, so a long 1080p video is
    /// never held in memory; frames are numbered from 0 like `genie data generate`'s.
    static func run(ffmpeg: String, video: String, out: String, fps: Double, size: FrameSize, maxFrames: Int) throws -> (frames: Int, message: String) {
        let filter = "fps=\(fps),scale=\(size.width):\(size.height):force_original_aspect_ratio=increase:flags=area,crop=\(size.width):\(size.height),format=rgb24"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", video, "-vf", filter,
                             "-frames:v", String(maxFrames), "-start_number", "0", "-y", out + "/frame_%05d.png"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { throw DataCommandFailure(message: "cannot start ffmpeg at \(ffmpeg)") }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let frames = ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0.hasPrefix("frame_") && $0.hasSuffix(".png") }.count
        let firstLine = message.split(separator: "\n").first.map(String.init) ?? ""
        if process.terminationStatus != 0 && frames == 0 {
            throw DataCommandFailure(message: "ffmpeg could not read \(video)\(firstLine.isEmpty ? "" : ": " + firstLine)")
        }
        return (frames, firstLine)
    }
}

/// Runs `body`, turning library errors into a one-line message and exit status 1
/// (no usage text: the arguments were fine, the world was not).
private func userFacing<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as PlatformerError {
        throw DataCommandFailure(message: error.description)
    } catch let error as DatasetError {
        throw DataCommandFailure(message: error.description)
    } catch let error as PNGError {
        throw DataCommandFailure(message: error.description)
    }
}

/// A failure reported as "Error: <message>" with exit status 1.
struct DataCommandFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

extension PlatformerGame.Camera: ExpressibleByArgument {}

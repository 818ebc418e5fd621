import ArgumentParser
import Foundation
import GenieMedia
import GenieSupport
import Platformer

/// `genie data …`: platformer datasets for training, and pictures of them.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Record platformer episodes as PNG datasets, and draw contact sheets.",
        subcommands: [DataGenerate.self, DataContactSheet.self])
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

    @Option(help: "Who plays: random (actions held for 1-10 frames), explorer (runs right, jumps obstacles) or roamer (random, held 1-3 frames, starting somewhere along the level).")
    var policy: String = "explorer"

    @Option(help: "Frame width in pixels.")
    var width: Int = 64

    @Option(help: "Frame height in pixels (a multiple of 8).")
    var height: Int = 64

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
                               width: width, height: height)
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

/// `genie data contact-sheet`: a grid of frames, one row per theme, for the docs.
struct DataContactSheet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contact-sheet",
        abstract: "Write a PNG grid of simulator frames: one row per theme, columns at increasing times.")

    @Option(help: "Output PNG file.")
    var out: String

    @Option(help: "Seed (each row derives its own world seed from it).")
    var seed: UInt64 = 1

    @Option(help: "Pixel scale of each frame.")
    var scale: Int = 2

    @Option(help: "Assets folder (default: GENIE_ASSETS, else the repository's assets/).")
    var assets: String?

    func validate() throws {
        guard (1...8).contains(scale) else { throw ValidationError("--scale must be 1...8") }
    }

    func run() throws {
        let sheet = try userFacing {
            let game = try PlatformerGame(assets: try PlatformerAssets.load(explicitPath: assets))
            return ContactSheet.make(game: game, seed: seed, scale: scale)
        }
        try userFacing { try PNG.write(sheet, to: out) }
        print("wrote \(out) (\(sheet.width)x\(sheet.height))")
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

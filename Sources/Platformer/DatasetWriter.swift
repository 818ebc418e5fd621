import Dispatch
import Foundation
import GenieMedia

/// What to record: `episodes` episodes of `frames` frames each, from dataset seed `seed`.
public struct DatasetSpec: Sendable {
    public var episodes: Int
    public var frames: Int
    public var seed: UInt64
    public var policy: PolicyKind
    public var width: Int
    public var height: Int
    public var camera: PlatformerGame.Camera

    public init(episodes: Int, frames: Int, seed: UInt64, policy: PolicyKind = .explorer, width: Int = 64, height: Int = 64,
                camera: PlatformerGame.Camera = .standard) {
        self.episodes = episodes; self.frames = frames; self.seed = seed
        self.policy = policy; self.width = width; self.height = height; self.camera = camera
    }
}

/// One recorded episode: `frames.count` frames; `actions[t]` was applied after frame t and
/// `classes[t]` is its equivalence class in that state (so both have one fewer entry).
public struct Episode: Sendable {
    public let seed: UInt64
    public let theme: Theme
    public let frames: [Frame]
    public let actions: [Int]
    public let classes: [Int]
}

/// Why a dataset could not be written.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case badSpec(String)
    case outputNotEmpty(String)
    case notADirectory(String)
    case cannotWrite(String, reason: String)

    public var description: String {
        switch self {
        case .badSpec(let m): return m
        case .outputNotEmpty(let p): return "output folder \(p) exists and is not empty (use --force to overwrite the dataset in it)"
        case .notADirectory(let p): return "\(p) exists and is not a folder"
        case .cannotWrite(let p, let r): return "cannot write \(p): \(r)"
        }
    }
}

/// Records simulator episodes as a dataset on disk:
///
///     DIR/manifest.json
///     DIR/episode_00000/frame_00000.png … frame_<T-1>.png
///     DIR/episode_00000/actions.csv        header "t,action,class", T-1 rows
///
/// Episode i depends only on (dataset seed, i), so workers can record episodes in any
/// order and the same seed always gives a byte-identical dataset.
public enum DatasetWriter {
    public static let formatVersion = 1

    /// The world seed of episode `index`.
    public static func episodeSeed(datasetSeed: UInt64, episode index: Int) -> UInt64 {
        SplitMix64.derive(datasetSeed, UInt64(index))
    }

    /// Runs one episode in memory.
    public static func record(game: PlatformerGame, spec: DatasetSpec, episode index: Int) -> Episode {
        let seed = episodeSeed(datasetSeed: spec.seed, episode: index)
        var state = game.newState(seed: seed)
        var policy = Policy(kind: spec.policy, seed: SplitMix64.derive(seed, 0x9011C7))
        var guide = Policy(kind: .explorer, seed: SplitMix64.derive(seed, 0x6D1DE))
        for _ in 0..<spec.policy.warmUpFrames(&guide.rng) { game.step(&state, action: guide.action(for: state)) }
        var frames = [game.render(state)]
        var actions: [Int] = [], classes: [Int] = []
        frames.reserveCapacity(spec.frames)
        for _ in 1..<max(1, spec.frames) {
            let action = policy.action(for: state)
            let next = game.successors(of: state)
            classes.append(PlatformerGame.classes(of: next.map(\.frame))[action])
            actions.append(action)
            state = next[action].state
            frames.append(next[action].frame)
        }
        return Episode(seed: seed, theme: state.theme, frames: frames, actions: actions, classes: classes)
    }

    /// The text of actions.csv for an episode.
    public static func actionsCSV(_ episode: Episode) -> String {
        var text = "t,action,class\n"
        for t in episode.actions.indices { text += "\(t),\(episode.actions[t]),\(episode.classes[t])\n" }
        return text
    }

    public static func episodeDirectory(_ index: Int) -> String { String(format: "episode_%05d", index) }
    public static func frameFile(_ t: Int) -> String { String(format: "frame_%05d.png", t) }

    /// Checks the spec and prepares `out`: created if missing; if it holds anything, refused
    /// unless `force`, in which case old episode folders and the manifest are removed.
    public static func prepare(out: String, spec: DatasetSpec, force: Bool) throws {
        guard spec.episodes >= 1 else { throw DatasetError.badSpec("--episodes must be at least 1 (got \(spec.episodes))") }
        guard spec.frames >= 2 else { throw DatasetError.badSpec("--frames must be at least 2 (got \(spec.frames))") }
        guard spec.episodes <= 99_999, spec.frames <= 99_999 else {
            throw DatasetError.badSpec("at most 99999 episodes of 99999 frames (names have 5 digits)")
        }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: out, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw DatasetError.notADirectory(out) }
            let contents = (try? fm.contentsOfDirectory(atPath: out)) ?? []
            if !contents.isEmpty {
                guard force else { throw DatasetError.outputNotEmpty(out) }
                for name in contents where name == "manifest.json" || isEpisodeName(name) {
                    do { try fm.removeItem(atPath: out + "/" + name) } catch {
                        throw DatasetError.cannotWrite(out + "/" + name, reason: reason(error))
                    }
                }
            }
        } else {
            do { try fm.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
                throw DatasetError.cannotWrite(out, reason: reason(error))
            }
        }
        guard fm.isWritableFile(atPath: out) else { throw DatasetError.cannotWrite(out, reason: "permission denied") }
    }

    /// The operating system's words for a failed file operation (Foundation's own
    /// messages on Linux say little more than "could not be completed").
    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedFailureReason ?? ns.localizedDescription
    }

    static func isEpisodeName(_ name: String) -> Bool {
        name.count == 13 && name.hasPrefix("episode_") && name.dropFirst(8).allSatisfy(\.isNumber)
    }

    /// Writes one recorded episode into `out`.
    public static func write(_ episode: Episode, index: Int, out: String) throws {
        let dir = out + "/" + episodeDirectory(index)
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw DatasetError.cannotWrite(dir, reason: reason(error))
        }
        // Frames go through GenieMedia's libpng encoder, but are written with plain POSIX
        // calls: PNG.write and Foundation's Data.write fsync every file, which made
        // generation disk-bound (see docs/platformer.md). A dataset is complete only once
        // manifest.json exists, and that is written last, atomically.
        for (t, frame) in episode.frames.enumerated() {
            let path = dir + "/" + frameFile(t)
            let bytes: Data
            do { bytes = try PNG.encode(frame) } catch { throw DatasetError.cannotWrite(path, reason: "\(error)") }
            try writeFile(bytes, to: path)
        }
        try writeFile(Data(actionsCSV(episode).utf8), to: dir + "/actions.csv")
    }

    /// Writes bytes to a file with open/write/close (no fsync).
    static func writeFile(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw DatasetError.cannotWrite(path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var written = 0
        let failure: Int32 = data.withUnsafeBytes { raw in
            while written < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 { if errno == EINTR { continue }; return errno }
                written += n
            }
            return 0
        }
        if failure != 0 { throw DatasetError.cannotWrite(path, reason: String(cString: strerror(failure))) }
    }

    /// The manifest: everything a reader needs, and nothing that changes between runs
    /// (no dates, no timings), so datasets compare byte for byte.
    public static func manifest(spec: DatasetSpec, episodes: [(seed: UInt64, theme: Theme)]) -> String {
        let names = PlatformerAction.names.map { "\"\($0)\"" }.joined(separator: ", ")
        var text = "{\n"
        text += "  \"format_version\": \(formatVersion),\n"
        text += "  \"generator\": \"genie platformer\",\n"
        text += "  \"width\": \(spec.width),\n"
        text += "  \"height\": \(spec.height),\n"
        text += "  \"seed\": \(spec.seed),\n"
        text += "  \"episodes\": \(spec.episodes),\n"
        text += "  \"frames_per_episode\": \(spec.frames),\n"
        text += "  \"policy\": \"\(spec.policy.rawValue)\",\n"
        text += "  \"camera\": \"\(spec.camera.rawValue)\",\n"
        text += "  \"actions\": [\(names)],\n"
        text += "  \"episode_list\": [\n"
        text += episodes.enumerated().map { i, e in
            "    {\"dir\": \"\(episodeDirectory(i))\", \"seed\": \(e.seed), \"theme\": \"\(e.theme.name)\"}"
        }.joined(separator: ",\n")
        text += "\n  ]\n}\n"
        return text
    }

    /// Records and writes the whole dataset with `workers` threads (episode i goes to
    /// worker i mod workers). `progress(framesDone, framesTotal)` is called from the
    /// workers, serialised. Returns the number of frames written.
    @discardableResult
    public static func generate(spec: DatasetSpec, out: String, assets: PlatformerAssets, force: Bool = false,
                                workers: Int = 2, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Int {
        try prepare(out: out, spec: spec, force: force)
        let game = try PlatformerGame(assets: assets, width: spec.width, height: spec.height, camera: spec.camera)
        let total = spec.episodes * spec.frames
        let shared = SharedProgress()
        let workerCount = max(1, min(workers, spec.episodes))
        DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
            var index = worker
            while index < spec.episodes, !shared.failed {
                let episode = record(game: game, spec: spec, episode: index)
                do {
                    try write(episode, index: index, out: out)
                } catch {
                    shared.fail(error)
                    return
                }
                shared.finished(index: index, seed: episode.seed, theme: episode.theme, frames: spec.frames, total: total, progress: progress)
                index += workerCount
            }
        }
        if let error = shared.error { throw error }
        let path = out + "/manifest.json"
        try writeFile(Data(manifest(spec: spec, episodes: shared.sortedEpisodes).utf8), to: path + ".tmp")
        guard rename(path + ".tmp", path) == 0 else { throw DatasetError.cannotWrite(path, reason: String(cString: strerror(errno))) }
        return total
    }
}

/// Progress and results shared by the worker threads, behind a lock.
private final class SharedProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var framesDone = 0
    private var episodes: [Int: (seed: UInt64, theme: Theme)] = [:]
    private var firstError: Error?

    var failed: Bool { lock.withLock { firstError != nil } }
    var error: Error? { lock.withLock { firstError } }
    var sortedEpisodes: [(seed: UInt64, theme: Theme)] {
        lock.withLock { episodes.keys.sorted().map { episodes[$0]! } }
    }

    func fail(_ error: Error) { lock.withLock { if firstError == nil { firstError = error } } }

    func finished(index: Int, seed: UInt64, theme: Theme, frames: Int, total: Int, progress: (@Sendable (Int, Int) -> Void)?) {
        lock.withLock {
            episodes[index] = (seed, theme)
            framesDone += frames
            progress?(framesDone, total)
        }
    }
}

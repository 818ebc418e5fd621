import Foundation
import GenieMedia
import GenieModels
import GenieTensor

/// Why a data folder cannot be used, with the path that is wrong.
public enum VideoDatasetError: Error, CustomStringConvertible, Equatable {
    case notFound(String)
    case empty(String)
    case notPNG(String)
    case unreadable(String, reason: String)
    case mixedFrameSizes(String, expected: String, found: String)
    case episodeTooShort(String, frames: Int, needed: Int)
    case badActions(String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let p): return "data folder not found: \(p)"
        case .empty(let p): return "no PNG frame sequences found in \(p) (expected folders of frame_NNNNN.png, e.g. from `genie data generate`)"
        case .notPNG(let p): return "not a PNG frame: \(p) (an episode folder holds only PNG frames, actions.csv and manifest.json)"
        case .unreadable(let p, let r): return "cannot read \(p): \(r)"
        case .mixedFrameSizes(let p, let e, let f): return "frame \(p) is \(f) but the dataset's frames are \(e); all frames must have one size unless a frame size to scale them to is given"
        case .episodeTooShort(let p, let n, let k): return "no episode in \(p) has the \(k) frames a clip needs (longest: \(n))"
        case .badActions(let p, let r): return "malformed actions file \(p): \(r)"
        }
    }
}

/// One video: its frames (8-bit RGB, kept compact in memory) and, when the folder has an
/// actions.csv, the true action after each frame and its equivalence class.
public struct Episode: Sendable {
    public let path: String
    public let frames: [Frame]
    public let actions: [Int]?
    public let actionClasses: [Int]?

    /// What a person watching could name each transition: the action's class where
    /// actions.csv has one (a press that changed nothing looks like the action of its
    /// class), else the action.
    public var labels: [Int]? { actionClasses ?? actions }
}

/// Unlabeled video for training: every folder (at any depth) that holds PNG frames is one
/// episode, its frames in name order. Genie learns from video alone; actions.csv, where
/// present, is read for evaluation and, where asked, to label a few episodes for the LAM.
public struct VideoDataset: Sendable {
    public let root: String
    public let episodes: [Episode]
    public let frameWidth: Int
    public let frameHeight: Int

    public var frameCount: Int { episodes.reduce(0) { $0 + $1.frames.count } }

    /// Files an episode folder may hold besides its frames.
    static let companionFiles: Set<String> = ["actions.csv", "manifest.json", "trace.json"]

    /// Reads every episode below `root`. With `frameSize`, frames of any other size are
    /// centre-cropped to its aspect and area-averaged to it (`Frame.fitted(to:)`), so
    /// footage of any size and mixed sizes can be read; without it every frame must have
    /// the size of the first.
    public init(root: String, maxEpisodes: Int? = nil, frameSize: FrameSize? = nil) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw VideoDatasetError.notFound(root)
        }
        self.root = root
        var folders: [String] = [], visited: Set<String> = []
        try Self.collectEpisodeFolders(root, into: &folders, visited: &visited)
        folders.sort()
        if let maxEpisodes { folders = Array(folders.prefix(max(0, maxEpisodes))) }
        guard !folders.isEmpty else { throw VideoDatasetError.empty(root) }
        // Decode on both cores; each folder is independent.
        nonisolated(unsafe) var loaded = [Result<Episode, Error>?](repeating: nil, count: folders.count)
        let list = folders
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for i in stride(from: worker, to: list.count, by: 2) {
                loaded[i] = Result { try Self.loadEpisode(list[i], frameSize: frameSize) }
            }
        }
        let episodes = try loaded.map { try $0!.get() }
        let first = episodes[0].frames[0]
        for e in episodes {
            for (i, f) in e.frames.enumerated() where f.width != first.width || f.height != first.height {
                throw VideoDatasetError.mixedFrameSizes("\(e.path)/frame \(i)", expected: "\(first.width)x\(first.height)", found: "\(f.width)x\(f.height)")
            }
        }
        self.episodes = episodes
        frameWidth = first.width
        frameHeight = first.height
    }

    /// Appends every folder at or below `folder` that holds PNG files. `visited` holds the
    /// real paths already walked, so a symbolic link back up the tree is walked once.
    static func collectEpisodeFolders(_ folder: String, into result: inout [String], visited: inout Set<String>) throws {
        guard let real = realPath(folder), visited.insert(real).inserted else { return }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw VideoDatasetError.unreadable(folder, reason: "not a readable folder")
        }
        var hasFrames = false
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = folder + "/" + name
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            if isDirectory.boolValue { try collectEpisodeFolders(path, into: &result, visited: &visited) } else if name.lowercased().hasSuffix(".png") { hasFrames = true }
        }
        if hasFrames { result.append(folder) }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func loadEpisode(_ folder: String, frameSize: FrameSize?) throws -> Episode {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        var frames: [Frame] = []
        for name in names {
            let path = folder + "/" + name
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            if isDirectory.boolValue || companionFiles.contains(name) { continue }
            guard name.lowercased().hasSuffix(".png") else { throw VideoDatasetError.notPNG(path) }
            do {
                let frame = try PNG.read(path)
                frames.append(frameSize.map { frame.fitted(to: $0) } ?? frame)
            } catch {
                throw VideoDatasetError.unreadable(path, reason: "\(error)")
            }
            if let f = frames.last, f.width != frames[0].width || f.height != frames[0].height {
                throw VideoDatasetError.mixedFrameSizes(path, expected: "\(frames[0].width)x\(frames[0].height)", found: "\(f.width)x\(f.height)")
            }
        }
        var actions: [Int]? = nil, classes: [Int]? = nil
        let csv = folder + "/actions.csv"
        if FileManager.default.fileExists(atPath: csv) {
            (actions, classes) = try ActionsFile.read(csv, frames: frames.count)
        }
        return Episode(path: folder, frames: frames, actions: actions, actionClasses: classes)
    }
}

/// Draws random clips of T consecutive frames. Its generator is the "data position" a
/// checkpoint saves, so a resumed run sees exactly the clips a straight run would.
public struct ClipSampler: Sendable {
    public let dataset: VideoDataset
    public let clipLength: Int
    public var generator: RandomGenerator
    public var batchSize = 8
    /// (episode, first frame) of every possible clip.
    let starts: [(Int, Int)]

    public init(dataset: VideoDataset, clipLength: Int, seed: UInt64) throws {
        self.dataset = dataset
        self.clipLength = clipLength
        generator = RandomGenerator(seed: seed)
        var starts: [(Int, Int)] = []
        for (e, episode) in dataset.episodes.enumerated() where episode.frames.count >= clipLength {
            for s in 0...(episode.frames.count - clipLength) { starts.append((e, s)) }
        }
        guard !starts.isEmpty else {
            throw VideoDatasetError.episodeTooShort(dataset.root, frames: dataset.episodes.map(\.frames.count).max() ?? 0, needed: clipLength)
        }
        self.starts = starts
    }

    /// The next batch: frames [B, T, H, W, 3] as floats in [0, 1], and where they came from.
    public mutating func nextBatch(_ batch: Int) -> (frames: Tensor, clips: [(episode: Int, start: Int)]) {
        nextBatch(batch, share: .whole)
    }

    /// One rank's share of the next global batch of `batch` clips: all of them are drawn (so
    /// every rank moves the generator alike and sees the same global batch), and frames are
    /// made for this rank's clips only.
    public mutating func nextBatch(_ batch: Int, share: BatchShare) -> (frames: Tensor, clips: [(episode: Int, start: Int)]) {
        var clips: [(episode: Int, start: Int)] = []
        for _ in 0..<batch {
            let (e, s) = starts[generator.nextInt(starts.count)]
            clips.append((e, s))
        }
        let mine = Array(clips[share.range(of: batch)])
        return (Self.frames(dataset, clips: mine, length: clipLength), mine)
    }

    /// Frames of the given clips as a float tensor [B, T, H, W, 3] in [0, 1].
    public static func frames(_ dataset: VideoDataset, clips: [(episode: Int, start: Int)], length: Int) -> Tensor {
        unitTensor(clips: clips.map { Array(dataset.episodes[$0.episode].frames[$0.start..<($0.start + length)]) })
    }
}

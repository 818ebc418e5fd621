import GenieSupport
import Foundation

/// A recorded play session: which world, how it was started, and every action taken.
///
/// Stored as `trace.json` next to the recorded `frame_NNNNN.png` files. Frame 0 is the frame
/// `reset(seed:)` returns; step `i` is applied to frame `i` and produces frame `i + 1`.
/// Replaying the steps on a world with the same kind and identity reproduces the frames.
///
/// ```json
/// {"format": "genie-trace", "version": 1,
///  "world": {"kind": "sim", "identity": {"seed": "7"}},
///  "frame": {"width": 64, "height": 64}, "seed": 7,
///  "action_names": ["noop", "left", ...],
///  "settings": {"fps": 10, "mode": "realtime"},
///  "steps": [{"action": 2, "control": "right", "key": "KEY_RIGHT", "time": 0.1}, ...],
///  "recorded_frames": [[0, 57]]}
/// ```
public struct Trace: Codable, Equatable, Sendable {
    /// The trace format version this code reads and writes.
    public static let currentVersion = 1
    public static let formatName = "genie-trace"
    /// The fastest tick rate a trace may claim (replay's own --fps limit).
    public static let maximumFPS = 1000.0
    /// The latest time a step may claim: a week. Replay waits for each step's time, so a
    /// damaged 1e300 would otherwise freeze it.
    public static let maximumSeconds = 7 * 86400.0
    /// The largest trace file read (a week of steps at a few dozen bytes each fits).
    static let maximumFileBytes = 1 << 30

    /// The world a trace was recorded on: `kind` picks the implementation, `identity` pins it.
    public struct WorldInfo: Codable, Equatable, Sendable {
        public var kind: String
        public var identity: [String: String]
        /// Where the world's files were when it was recorded (the weights folder of a learned
        /// world), as an absolute path: replay looks there first. Not part of the identity, so
        /// moved weights still replay; absent in simulator traces and older ones.
        public var location: String?
        public init(kind: String, identity: [String: String], location: String? = nil) {
            self.kind = kind; self.identity = identity; self.location = location
        }
    }

    /// The size of every frame, in pixels.
    public struct FrameSize: Codable, Equatable, Sendable {
        public var width: Int
        public var height: Int
        public init(width: Int, height: Int) { self.width = width; self.height = height }
    }

    /// How the session was played: ticks per second and "realtime" or "step".
    public struct Settings: Codable, Equatable, Sendable {
        public var fps: Double
        public var mode: String
        public init(fps: Double, mode: String) { self.fps = fps; self.mode = mode }
    }

    /// The arithmetic a learned world's frames came from: the BLAS kernel and its thread count.
    /// A thread count splits the products differently, so the last bits of a frame (and then
    /// a sampled token) depend on it; replay runs with the recorded count.
    public struct Numerics: Codable, Equatable, Sendable {
        public var blasKernel: String
        public var blasThreads: Int
        public init(blasKernel: String, blasThreads: Int) { self.blasKernel = blasKernel; self.blasThreads = blasThreads }
        /// The most threads a trace may ask replay for.
        public static let maximumThreads = 1024
        enum CodingKeys: String, CodingKey {
            case blasKernel = "blas_kernel"
            case blasThreads = "blas_threads"
        }
    }

    /// One action taken: its index, the control and key that chose it, and when.
    public struct Step: Codable, Equatable, Sendable {
        public var action: Int
        /// The control name ("right", "left+jump"…) or "raw" for a digit key.
        public var control: String
        /// The key that was pressed ("KEY_RIGHT", "space", "3"), or "none" for a tick without a key.
        public var key: String
        /// Seconds since the session started.
        public var time: Double
        public init(action: Int, control: String, key: String, time: Double) {
            self.action = action; self.control = control; self.key = key; self.time = time
        }
    }

    public var format: String
    public var version: Int
    public var world: WorldInfo
    public var frame: FrameSize
    /// The seed passed to `World.reset(seed:)`.
    public var seed: UInt64
    /// The world's action names, index by index (also bounds the action indices).
    public var actionNames: [String]
    public var settings: Settings
    public var steps: [Step]
    /// Inclusive ranges of frame indices that were written as PNGs (recording can be toggled).
    public var recordedFrames: [[Int]]
    /// How a learned world computed its frames; absent for the simulator and in older traces.
    public var numerics: Numerics?

    enum CodingKeys: String, CodingKey {
        case format, version, world, frame, seed, settings, steps, numerics
        case actionNames = "action_names"
        case recordedFrames = "recorded_frames"
    }

    public init(world: WorldInfo, frame: FrameSize, seed: UInt64, actionNames: [String], settings: Settings,
                steps: [Step] = [], recordedFrames: [[Int]] = [], numerics: Numerics? = nil) {
        self.format = Trace.formatName
        self.version = Trace.currentVersion
        self.world = world; self.frame = frame; self.seed = seed; self.actionNames = actionNames
        self.settings = settings; self.steps = steps; self.recordedFrames = recordedFrames; self.numerics = numerics
    }

    /// The number of frames the trace describes: the reset frame plus one per step.
    public var frameCount: Int { steps.count + 1 }

    /// Whether frame `index` was written as a PNG while recording. A binary search over the
    /// ranges (validated as increasing), so that replaying many ranges stays linear.
    public func wasRecorded(_ index: Int) -> Bool {
        var low = 0, high = recordedFrames.count
        while low < high {
            let middle = (low + high) / 2
            if recordedFrames[middle][1] < index { low = middle + 1 } else { high = middle }
        }
        return low < recordedFrames.count && recordedFrames[low][0] <= index
    }

    /// The last frame written as a PNG while recording, or nil when none was.
    public var lastRecordedFrame: Int? { recordedFrames.last?[1] }

    /// Marks frame `index` as recorded, extending the last range when it is the next frame.
    public mutating func markRecorded(_ index: Int) {
        if let last = recordedFrames.last, last[1] + 1 == index {
            recordedFrames[recordedFrames.count - 1][1] = index
        } else if !wasRecorded(index) {
            recordedFrames.append([index, index])
        }
    }

    /// The PNG file name of frame `index`: frame_00000.png, frame_00001.png, …
    public static func frameFileName(_ index: Int) -> String {
        let digits = String(index)
        return "frame_" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + ".png"
    }

    // MARK: Reading and writing

    /// Encodes the trace as pretty-printed JSON with sorted keys (stable diffs).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Writes the trace atomically to `path`.
    public func write(to path: String) throws {
        do { try AtomicFile.write(try encoded(), to: path) } catch {
            throw TraceError.writeFailed(path, reason: ErrorMessage.line(error))
        }
    }

    /// Reads and validates the trace at `path` (a trace.json file, or a folder holding one).
    public static func load(_ path: String) throws -> Trace {
        var file = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            file = (path as NSString).appendingPathComponent("trace.json")
        }
        let data: Data
        do { data = try RegularFile.read(file, limit: maximumFileBytes) } catch {
            throw error == .missing ? TraceError.fileNotFound(file) : TraceError.unreadable(file, reason: error.description)
        }
        return try decode(data, name: file)
    }

    /// Decodes and validates trace JSON; `name` names the source in error messages.
    public static func decode(_ data: Data, name: String = "<memory>") throws -> Trace {
        // Check the format and version first, so an old or foreign file gets that message
        // rather than a complaint about some field the current version added.
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw TraceError.invalidJSON(name, reason: jsonReason(error))
        }
        guard let top = object as? [String: Any] else {
            throw TraceError.invalidJSON(name, reason: "the top level is not a JSON object")
        }
        if let format = top["format"] as? String, format != formatName {
            throw TraceError.invalidValue(name, field: "format", reason: "\"\(format)\" is not \"\(formatName)\"")
        }
        guard let versionValue = top["version"] else { throw TraceError.missingField(name, field: "version") }
        guard let version = versionValue as? Int else {
            throw TraceError.invalidValue(name, field: "version", reason: "not an integer")
        }
        guard version == currentVersion else {
            throw TraceError.unsupportedVersion(name, found: version, supported: currentVersion)
        }
        let trace: Trace
        do { trace = try JSONDecoder().decode(Trace.self, from: data) } catch let error as DecodingError {
            throw TraceError(name: name, decoding: error)
        }
        try trace.validate(name: name)
        return trace
    }

    /// Checks what JSON decoding cannot: sizes, action indices, times and ranges.
    public func validate(name: String = "<memory>") throws {
        func bad(_ field: String, _ reason: String) -> TraceError { .invalidValue(name, field: field, reason: reason) }
        guard format == Trace.formatName else { throw bad("format", "\"\(format)\" is not \"\(Trace.formatName)\"") }
        guard version == Trace.currentVersion else {
            throw TraceError.unsupportedVersion(name, found: version, supported: Trace.currentVersion)
        }
        guard !world.kind.isEmpty else { throw bad("world.kind", "empty") }
        // Replay resets the world with `seed`: an identity naming another seed names another world.
        if let identitySeed = world.identity["seed"], identitySeed != String(seed) {
            throw bad("seed", "\(seed) disagrees with the world identity's seed \"\(identitySeed)\"")
        }
        guard frame.width > 0, frame.height > 0, frame.width <= 4096, frame.height <= 4096 else {
            throw bad("frame", "size \(frame.width)x\(frame.height) is not between 1 and 4096")
        }
        guard (1...8).contains(actionNames.count) else {
            throw bad("action_names", "has \(actionNames.count) names; a world has 1 to 8 actions")
        }
        guard settings.fps > 0, settings.fps <= Trace.maximumFPS else {
            throw bad("settings.fps", "\(settings.fps) is not between 0 and \(Int(Trace.maximumFPS))")
        }
        guard settings.mode == "realtime" || settings.mode == "step" else {
            throw bad("settings.mode", "\"\(settings.mode)\" is neither \"realtime\" nor \"step\"")
        }
        if let numerics {
            guard (1...Numerics.maximumThreads).contains(numerics.blasThreads) else {
                throw bad("numerics.blas_threads", "\(numerics.blasThreads) is not between 1 and \(Numerics.maximumThreads)")
            }
            guard (1...64).contains(numerics.blasKernel.count), numerics.blasKernel.allSatisfy({ $0.isASCII && !$0.isNewline }) else {
                throw bad("numerics.blas_kernel", "not a kernel name of 1 to 64 characters on one line")
            }
        }
        var previousTime = 0.0
        for (i, step) in steps.enumerated() {
            guard (0..<actionNames.count).contains(step.action) else {
                throw TraceError.actionOutOfRange(name, step: i, action: step.action, actionCount: actionNames.count)
            }
            guard step.time >= previousTime, step.time <= Trace.maximumSeconds else {
                throw bad("steps[\(i)].time", "\(step.time) is not between the step before (\(previousTime)) and \(Int(Trace.maximumSeconds)) seconds")
            }
            previousTime = step.time
        }
        var previousEnd = -1
        for (i, range) in recordedFrames.enumerated() {
            guard range.count == 2, range[0] > previousEnd, range[0] <= range[1], range[1] < frameCount else {
                throw bad("recorded_frames[\(i)]", "\(range) is not an increasing [first, last] pair of frames 0…\(frameCount - 1)")
            }
            previousEnd = range[1]
        }
    }

    private static func jsonReason(_ error: Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }

    // MARK: Replay

    /// Checks that `world` is the world this trace was recorded on.
    public func check(against world: any World, name: String = "<memory>") throws {
        guard world.kind == self.world.kind else {
            throw TraceError.worldMismatch(name, reason: "trace is for world kind \"\(self.world.kind)\", not \"\(world.kind)\"")
        }
        for key in Set(world.identity.keys).union(self.world.identity.keys).sorted() {
            let mine = self.world.identity[key], theirs = world.identity[key]
            guard mine == theirs else {
                throw TraceError.worldMismatch(name, reason: "identity \"\(key)\" is \(mine.map { "\"\($0)\"" } ?? "missing") in the trace but \(theirs.map { "\"\($0)\"" } ?? "missing") in the world")
            }
        }
        guard world.frameWidth == frame.width, world.frameHeight == frame.height else {
            throw TraceError.worldMismatch(name, reason: "trace frames are \(frame.width)x\(frame.height), the world's are \(world.frameWidth)x\(world.frameHeight)")
        }
        guard world.actionCount == actionNames.count else {
            throw TraceError.worldMismatch(name, reason: "trace has \(actionNames.count) actions, the world \(world.actionCount)")
        }
    }

    /// Replays the trace on `world`: resets it with the trace's seed and applies the steps,
    /// calling `body(index, frame)` for frame 0 (the reset frame) and each frame after it, up
    /// to frame `last` (default: the last frame). Return false from `body` to stop early.
    public func replay(on world: any World, name: String = "<memory>", through last: Int? = nil,
                       _ body: (Int, Frame) throws -> Bool) throws {
        try check(against: world, name: name)
        var frame = try world.reset(seed: seed)
        guard try body(0, frame) else { return }
        for (i, step) in steps.prefix(max(0, last ?? steps.count)).enumerated() {
            frame = try world.step(step.action)
            guard try body(i + 1, frame) else { return }
        }
    }
}

/// Why a trace could not be read, written or replayed, with a message a person can act on.
public enum TraceError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(String)
    case unreadable(String, reason: String)
    case invalidJSON(String, reason: String)
    case unsupportedVersion(String, found: Int, supported: Int)
    case missingField(String, field: String)
    case invalidValue(String, field: String, reason: String)
    case actionOutOfRange(String, step: Int, action: Int, actionCount: Int)
    case unknownWorldKind(String, kind: String, known: [String])
    case worldMismatch(String, reason: String)
    case writeFailed(String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let p): return "trace not found: \(p)"
        case .unreadable(let p, let r): return "cannot read trace \(p): \(r)"
        case .invalidJSON(let p, let r): return "trace \(p) is not valid JSON: \(r)"
        case .unsupportedVersion(let p, let f, let s):
            return "trace \(p) has format version \(f); this genie reads version \(s)"
        case .missingField(let p, let f): return "trace \(p) is missing the field \"\(f)\""
        case .invalidValue(let p, let f, let r): return "trace \(p): field \"\(f)\" is invalid: \(r)"
        case .actionOutOfRange(let p, let s, let a, let n):
            return "trace \(p): step \(s) has action \(a), outside 0…\(n - 1)"
        case .unknownWorldKind(let p, let k, let known):
            return "trace \(p) is for world kind \"\(k)\", which this genie cannot build (known: \(known.joined(separator: ", ")))"
        case .worldMismatch(let p, let r): return "trace \(p) does not match the world: \(r)"
        case .writeFailed(let p, let r): return "cannot write trace \(p): \(r)"
        }
    }

    /// Turns a Foundation decoding error into a message naming the field.
    init(name: String, decoding error: DecodingError) {
        func path(_ codingPath: [CodingKey], _ last: CodingKey? = nil) -> String { fieldPath(codingPath + (last.map { [$0] } ?? [])) }
        switch error {
        case .keyNotFound(let key, let context):
            self = .missingField(name, field: path(context.codingPath, key))
        case .valueNotFound(_, let context):
            self = .invalidValue(name, field: path(context.codingPath), reason: "is null")
        case .typeMismatch(let type, let context):
            self = .invalidValue(name, field: path(context.codingPath), reason: "expected \(type)")
        case .dataCorrupted(let context):
            self = .invalidValue(name, field: path(context.codingPath), reason: context.debugDescription)
        @unknown default:
            self = .invalidJSON(name, reason: "\(error)")
        }
    }
}

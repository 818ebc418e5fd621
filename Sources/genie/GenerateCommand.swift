import ArgumentParser
import Foundation
import GenieMedia
import GenieModels
import GenieWorld

/// `genie generate`: headless generation for scripts: a prompt and a list of actions in,
/// frame_NNNNN.png files out (frame 0 is the decoded last prompt frame), with a trace.json
/// that `genie replay` reads.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate frames from a prompt and a list of actions, headless, as PNG files and a replayable trace.json.",
        discussion: """
        --actions takes a comma-separated list; each item is a latent action index (0-based) or \
        a control name the key map knows (noop, left, right, jump, left+jump, right+jump). \
        --actions-from plays the steps of a trace (of `genie play --record` or of generate) \
        instead: each step's control through this world's key map, or its latent index where \
        the step names no control; so a session played on one world is played again on \
        another (new weights), which `genie replay` refuses to do.
        """)

    @OptionGroup var model: ModelWorldOptions

    @Option(help: "Comma-separated actions, e.g. 3,3,3,1 or right,right,jump.")
    var actions: String?

    @Option(help: ArgumentHelp("Play the steps of this trace (a trace.json or a folder holding one) instead of --actions; its seed is the default --seed.", valueName: "trace"))
    var actionsFrom: String?

    @Option(help: "Folder for frame_NNNNN.png and trace.json (created if missing; must be empty unless --force).")
    var out: String

    @Flag(help: "Write into a non-empty --out: its frame_NNNNN.png files and trace.json are replaced, other files are left alone.")
    var force = false

    @Option(help: "Seed of the sampling (and of the default prompt); default 0, or the seed of --actions-from's trace.")
    var seed: UInt64?

    func validate() throws {
        guard (actions == nil) != (actionsFrom == nil) else { throw ValidationError("give either --actions or --actions-from") }
    }

    func run() throws {
        let played = try actionsFrom.map { try Trace.load($0) }
        let seed = self.seed ?? played?.seed ?? 0
        let world = try model.makeWorld(seed: seed)
        let steps = try played.map { try Self.actions(of: $0, world: world) } ?? Self.parseActions(actions!, world: world)
        try Self.prepare(out, force: force)
        func write(_ frame: Frame, _ index: Int) throws {
            try PNG.write(frame, to: (out as NSString).appendingPathComponent(Trace.frameFileName(index)))
        }
        // A trace beside the frames, so that `genie replay` can make them again.
        var trace = Trace(world: .init(kind: world.kind, identity: world.identity,
                                       location: URL(fileURLWithPath: model.weights).standardizedFileURL.path),
                          frame: .init(width: world.frameWidth, height: world.frameHeight), seed: seed,
                          actionNames: (0..<world.actionCount).map { world.actionName($0) },
                          settings: .init(fps: 10, mode: "step"), numerics: world.numerics)
        try write(try world.reset(seed: seed), 0)
        trace.markRecorded(0)
        for (i, step) in steps.enumerated() {
            let action = step.latent(in: world)
            try write(try world.step(action), i + 1)
            // A control is recorded as the control (as play records its keys), so that
            // --actions-from plays it again through the key map; a latent by its name.
            let control: String
            if case .control(let name) = step { control = name } else { control = world.actionName(action) }
            trace.steps.append(.init(action: action, control: control, key: "none", time: Double(i + 1) / 10))
            trace.markRecorded(i + 1)
        }
        try trace.write(to: (out as NSString).appendingPathComponent("trace.json"))
        print("wrote \(steps.count + 1) frames and trace.json to \(out)")
    }

    /// Makes `folder` ready for a new run: created when missing; when it holds anything,
    /// refused without `force`, and with it emptied of what generate writes (frame PNGs and
    /// trace.json), so no old frame is left beside the new ones.
    static func prepare(_ folder: String, force: Bool) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ValidationError("--out \(folder) is a file, not a folder") }
            let contents = try manager.contentsOfDirectory(atPath: folder)
            guard contents.isEmpty || force else {
                throw ValidationError("--out \(folder) is not empty; pass --force to replace its frames and trace.json")
            }
            for name in contents where name == "trace.json" || isFrameFile(name) {
                try manager.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
            }
        }
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// Whether `name` is a frame file as generate writes it (frame_ + digits + .png).
    static func isFrameFile(_ name: String) -> Bool {
        guard name.hasPrefix("frame_"), name.hasSuffix(".png") else { return false }
        let digits = name.dropFirst(6).dropLast(4)
        return !digits.isEmpty && digits.allSatisfy(\.isNumber)
    }

    /// A step to play: a latent index, or a control that the key map turns into one when the
    /// step is played (which latent a control plays can depend on the steps before it).
    enum PlannedStep: Equatable {
        case latent(Int)
        case control(String)

        func latent(in world: WorldModel) -> Int {
            switch self {
            case .latent(let n): return n
            case .control(let name): return world.action(forControl: name) ?? world.promptAction
            }
        }
    }

    /// The steps of a trace in `world`: a step's control through the key map, or its latent
    /// index where the step names no control.
    static func actions(of trace: Trace, world: WorldModel) throws -> [PlannedStep] {
        guard !trace.steps.isEmpty else { throw ValidationError("--actions-from: the trace has no steps") }
        return try trace.steps.enumerated().map { i, step in
            if Control.all.contains(step.control) {
                guard world.action(forControl: step.control) != nil else {
                    throw ValidationError("--actions-from: step \(i + 1) is \(step.control), which this world's key map does not name")
                }
                return .control(step.control)
            }
            guard (0..<world.actionCount).contains(step.action) else {
                throw ValidationError("--actions-from: step \(i + 1) is latent \(step.action), outside this world's 0...\(world.actionCount - 1)")
            }
            return .latent(step.action)
        }
    }

    /// Parses "3,3,1" or "right,jump" into steps, with a clear error per bad item.
    static func parseActions(_ text: String, world: WorldModel) throws -> [PlannedStep] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !(items.count == 1 && items[0].isEmpty) else { throw ValidationError("--actions is empty") }
        return try items.enumerated().map { i, item in
            if let n = Int(item) {
                guard (0..<world.actionCount).contains(n) else {
                    throw ValidationError("--actions item \(i + 1) (\"\(item)\") is outside the latent actions 0...\(world.actionCount - 1)")
                }
                return .latent(n)
            }
            if world.action(forControl: item) != nil { return .control(item) }
            let known = world.keyMap.map { " or one of " + $0.controls.keys.sorted().joined(separator: ", ") } ?? " (no key map in the weights, so no control names)"
            throw ValidationError("--actions item \(i + 1) (\"\(item)\") is not a latent index 0...\(world.actionCount - 1)\(known)")
        }
    }
}

import ArgumentParser
import Foundation
import GenieMedia
import GenieModels
import GenieSupport
import GenieWorld
import GenieTraining
import Platformer

/// `genie keymap`: names the latent actions. Runs the LAM on simulator episodes whose true
/// actions are known and maps each control to the latent the LAM gives it most often.
struct KeymapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keymap",
        abstract: "Map controls (left, right, jump, …) to latent actions with the LAM, from episodes with actions.csv.",
        discussion: """
        Each control gets the latent the LAM gives most often where the control was visible. \
        Where actions.csv has a class column (what each press did), the map also holds the \
        jump airtime: how many steps after a jump another jump does nothing in the game; \
        within it a learned world plays a jump control without its jump. With --tokenizer it \
        also holds a jump reader, which tells from the world's last two frames whether the \
        player can jump (a world prompted in mid-air, a walk off a ledge) and then decides \
        instead of the airtime; its held-out figures beside the airtime's are printed.
        """)

    @Option(help: "The latent action model checkpoint.")
    var lam: String

    @Option(help: "Folder of simulator episodes (PNG frames + actions.csv with t,action,class).")
    var data: String

    @Option(help: "Where to write the key map JSON (the shipped one is weights/keymap.json; recorded traces replay only with the key map they were made with).")
    var out: String

    @Flag(help: "Replace --out when it exists.")
    var force = false

    @Option(help: "The tokenizer whose codes the world plays (the weights folder's tokenizer.safetensors): fit the jump reader on its codes of every press of a jump control (needs actions.csv's class column). A tokenizer with other codes needs a new key map.")
    var tokenizer: String?

    @Option(help: "Frames per clip fed to the LAM (default: its training clip length).")
    var clip: Int?

    @Option(help: "Use at most this many episodes.")
    var maxEpisodes: Int?

    func validate() throws {
        if let maxEpisodes, maxEpisodes < 1 { throw ValidationError("--max-episodes must be at least 1") }
        if let clip, !(2...1024).contains(clip) { throw ValidationError("--clip must be between 2 and 1024") }
        if !force && FileManager.default.fileExists(atPath: out) {
            throw ValidationError("\(out) exists; pass --force to replace it (traces recorded with the old key map may stop replaying)")
        }
    }

    func run() throws {
        let (model, file) = try Checkpoint.loadLatentActionModel(lam)
        let dataset = try VideoDataset(root: data, maxEpisodes: maxEpisodes,
                                       frameSize: FrameSize(width: model.config.frameWidth, height: model.config.frameHeight))
        guard dataset.episodes.contains(where: { $0.actions != nil }) else {
            throw ValidationError("\(data) has no actions.csv: the key map needs the true actions")
        }
        let length = max(2, clip ?? trainingClipLength(file.metadata))
        // Every whole clip of every episode, so that each transition counts once.
        let clips = Evaluation.clips(dataset, length: length, count: Int.max)
            .filter { dataset.episodes[$0.episode].actions != nil }
        guard !clips.isEmpty else { throw ValidationError("no episode in \(data) has \(length) frames") }
        // The LAM over every clip: minutes for a thousand episodes, so it reports progress.
        let lamBar = ProgressBar(label: "latent actions", unit: "clips")
        let (codes, actions, classes) = Evaluation.latentActions(model, dataset: dataset, clips: clips, length: length) { lamBar.update($0, of: $1) }
        lamBar.finish()
        var map = try LatentKeyMap.compute(latents: codes, actions: actions, classes: classes, actionNames: PlatformerAction.names,
                                           latentActions: model.config.actions,
                                           source: ["lam": try fileFingerprint(lam), "data": data, "clip": String(length)])
        // Whole episodes, each press in order: how long after a jump another one does nothing.
        map.jumpAirtime = LatentKeyMap.jumpAirtime(episodes: dataset.episodes.compactMap { episode in
            guard let actions = episode.actions, let classes = episode.actionClasses else { return nil }
            return (actions, classes)
        }, actionNames: PlatformerAction.names)
        if let tokenizer { map.jumpReader = try fitJumpReader(tokenizerPath: tokenizer, dataset: dataset, frameSize: FrameSize(width: model.config.frameWidth, height: model.config.frameHeight), keyMap: map) }
        try FileManager.default.createDirectory(atPath: (out as NSString).deletingLastPathComponent.isEmpty ? "." : (out as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try map.write(to: out)
        print("key map from \(map.transitions) visible transitions of \(clips.count) clips -> \(out)")
        for name in PlatformerAction.names {
            if let latent = map.controls[name] {
                print("  \(name.padding(toLength: 11, withPad: " ", startingAt: 0)) -> latent \(latent)  (\(String(format: "%.0f", 100 * (map.confidence[name] ?? 0))) % of \(map.counts[name]?.reduce(0, +) ?? 0))")
            } else {
                print("  \(name.padding(toLength: 11, withPad: " ", startingAt: 0)) -> (never visible in the data)")
            }
        }
        if let airtime = map.jumpAirtime {
            print("  a jump pressed within \(airtime) steps of the last jump plays its control without the jump (the player is in the air)")
        }
        let latents = map.controls.values
        if Set(latents).count < latents.count { print("note: some controls share a latent (the LAM does not tell them apart)") }
    }

    /// The jump reader on all presses of the episodes with a class column, after a fit on
    /// five in six of them that is scored on the sixth beside the airtime rule.
    func fitJumpReader(tokenizerPath: String, dataset: VideoDataset, frameSize: FrameSize, keyMap: LatentKeyMap) throws -> JumpReader {
        let (model, file) = try Checkpoint.loadTokenizer(tokenizerPath)
        let c = model.config
        guard c.frameWidth == frameSize.width && c.frameHeight == frameSize.height else {
            throw ValidationError("the tokenizer's frames are \(c.frameWidth)x\(c.frameHeight), the LAM's \(frameSize.width)x\(frameSize.height)")
        }
        let jumps = LatentKeyMap.jumpActions(PlatformerAction.names)
        let isJump = { jumps.contains($0) }
        let labelled = dataset.episodes.indices.filter { dataset.episodes[$0].actions != nil && dataset.episodes[$0].actionClasses != nil }
        guard !labelled.isEmpty else { throw ValidationError("the jump reader needs actions.csv's class column (what each press did); \(data) has none") }
        let window = trainingClipLength(file.metadata)
        let bar = ProgressBar(label: "tokenising", unit: "episodes")
        var presses: [[JumpReader.Press]] = [], airtimeSaysInAir: [[Bool]] = []
        for (done, index) in labelled.enumerated() {
            let episode = dataset.episodes[index]
            let codes = TokenizedDataset.codes(ofEpisode: index, in: dataset, tokenizer: model, window: window)
            presses.append(JumpReader.presses(codes: codes, tokensPerFrame: c.tokensPerFrame, actions: episode.actions!,
                                              classes: episode.actionClasses!, isJump: isJump))
            // The airtime rule on the same presses, counting from the episode's last jump that took effect.
            var lastJump: Int?, inAir: [Bool] = []
            for (t, (action, cls)) in zip(episode.actions!, episode.actionClasses!).enumerated() where t < codes.count / c.tokensPerFrame {
                if isJump(action) { inAir.append(keyMap.inAirtime(lastJumpStepsAgo: lastJump.map { t - $0 })) }
                if isJump(cls) { lastJump = t }
            }
            airtimeSaysInAir.append(inAir)
            bar.update(done + 1, of: labelled.count)
        }
        bar.finish()
        let heldOut = presses.indices.filter { $0 % 6 == 5 }
        let training = presses.indices.filter { $0 % 6 != 5 }.flatMap { presses[$0] }
        let trial = JumpReader.fit(training, tokensPerFrame: c.tokensPerFrame, codebookSize: c.codebookSize)
        let scored = heldOut.flatMap { presses[$0] }, airtimeScored = heldOut.flatMap { airtimeSaysInAir[$0] }
        let onGround = scored.filter(\.tookEffect).count
        // Per class too: a person presses jump mostly on the ground, the data's policy may not.
        func report(_ name: String, _ playsJump: [Bool]) {
            let n = Double(max(scored.count, 1))
            let ground = Double(max(onGround, 1)), air = Double(max(scored.count - onGround, 1))
            let inAir = zip(playsJump, scored).filter { $0 && !$1.tookEffect }.count
            let withheld = zip(playsJump, scored).filter { !$0 && $1.tookEffect }.count
            print(String(format: "  %@: right for %.1f %% of %d held-out jump presses; a jump played in the air %.1f %% (of presses in the air %.1f %%), withheld on the ground %.1f %% (of presses on the ground %.1f %%)",
                         name, 100 * (n - Double(inAir + withheld)) / n, scored.count, 100 * Double(inAir) / n, 100 * Double(inAir) / air,
                         100 * Double(withheld) / n, 100 * Double(withheld) / ground))
        }
        print("jump reader (\(presses.joined().count) presses; \(onGround) of the \(scored.count) held out took effect):")
        report("reader ", scored.map { trial.canJump(previous: $0.previous, current: $0.current) })
        report("airtime", airtimeScored.map { !$0 })
        return JumpReader.fit(Array(presses.joined()), tokensPerFrame: c.tokensPerFrame, codebookSize: c.codebookSize)
    }
}

import ArgumentParser
import Foundation
import GenieMedia
import GenieModels
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
        within it a learned world plays a jump control without its jump.
        """)

    @Option(help: "The latent action model checkpoint.")
    var lam: String

    @Option(help: "Folder of simulator episodes (PNG frames + actions.csv with t,action,class).")
    var data: String

    @Option(help: "Where to write the key map JSON (the shipped one is weights/keymap.json; recorded traces replay only with the key map they were made with).")
    var out: String

    @Flag(help: "Replace --out when it exists.")
    var force = false

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
        let (codes, actions, classes) = Evaluation.latentActions(model, dataset: dataset, clips: clips, length: length)
        var map = try LatentKeyMap.compute(latents: codes, actions: actions, classes: classes, actionNames: PlatformerAction.names,
                                           latentActions: model.config.actions,
                                           source: ["lam": try fileFingerprint(lam), "data": data, "clip": String(length)])
        // Whole episodes, each press in order: how long after a jump another one does nothing.
        map.jumpAirtime = LatentKeyMap.jumpAirtime(episodes: dataset.episodes.compactMap { episode in
            guard let actions = episode.actions, let classes = episode.actionClasses else { return nil }
            return (actions, classes)
        }, actionNames: PlatformerAction.names)
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
}

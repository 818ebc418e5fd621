import ArgumentParser
import Foundation
import GenieMedia
import GenieModels
import GenieWorld
import GenieSupport
import GenieTensor
import GenieTraining
import Platformer

/// `genie eval`: the paper's figures on held-out episodes.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate checkpoints on held-out episodes: tokenizer PSNR/SSIM, LAM agreement with true actions, dynamics accuracy and ΔtPSNR.",
        discussion: "Give any of --tokenizer, --lam, --dynamics; the dynamics figures need all three. Use episodes the models did not train on (another --seed of `genie data generate`). The world's figures take minutes to an hour; their parts report progress on stderr, the report goes to stdout.")

    @Option(help: "Folder of held-out episodes (with actions.csv for LAM agreement).") var data: String
    @Option(help: "Tokenizer checkpoint.") var tokenizer: String?
    @Option(help: "Latent action model checkpoint.") var lam: String?
    @Option(help: "Dynamics checkpoint.") var dynamics: String?
    @Option(help: "Number of clips to evaluate.") var clips = 32
    @Option(help: "Frames per clip for tokenizer and LAM.") var clipLength = 16
    @Option(help: "t of ΔtPSNR (frames generated from the first).") var horizon = 4
    @Option(help: "MaskGIT iterations per frame (8, as the figures in docs/ were measured; play's default is \(WorldModelSettings.defaultIterations)).") var iterations = 8
    @Option(help: "Sampling temperature (play's default is \(WorldModelSettings.defaultTemperature)).") var temperature: Float = 1.0
    @Option(help: "Key map (from `genie keymap`): with it, --dynamics also plays the clips' true actions and compares the rollouts with the recorded frames, and measures how long a held-out prompt persists under noop (PSNR of 16 frames against the prompt's reconstruction).") var keymap: String?
    @Option(help: "Clips for the rollout comparison (each plays 16 frames twice).") var rolloutClips = 16
    @Option(help: "Seed of masks and random actions.") var seed: UInt64 = 7
    @Option(help: "With --dynamics and --keymap: also play scripted controls (stand 64 frames; jump from rest, then wait 24; run right 32; run left 16; a mixed play of 64) from this many simulator starts, against the simulator under the same controls: PSNR of the frame and of a box around the simulator's player at t = 4, 16, 32, 64, and the share of frames with no player in that box (docs/results.md); beside them the same figures of the simulator's frames through the tokenizer alone (scripted_ceiling_*: the best any world on this tokenizer can do). 0 = off.")
    var scriptedStarts = 0
    @Option(help: "Dataset seed of the scripted starts: start i is the level of episode i of `genie data generate --seed` this (use a seed the models did not train on).")
    var scriptedSeed: UInt64 = 9102
    @Option(help: "The simulator's camera in the scripted starts: the one the world's training data was recorded with (`genie data generate --camera`).")
    var camera: PlatformerGame.Camera = .standard
    @Option(help: "Also write figures here: tokenizer.png (real over reconstructed frames) and, with --dynamics, latent_actions.png (each latent action held for 8 frames from one held-out frame, a row each, as in the paper's figure).")
    var pictures: String?
    @Option(help: "With --pictures: the PNG frame the latent-actions figure starts from (default: the first held-out clip's first frame).")
    var picturePrompt: String?
    @Option(help: "With --lam: also write every evaluated transition to this CSV file (episode, frame, action, class, code, changed pixel values, the encoder's latent): where the codes go wrong (tools/lam_transitions.py sums it up).")
    var transitions: String?
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard (1...100_000).contains(clips), (0...100_000).contains(rolloutClips) else {
            throw ValidationError("--clips must be between 1 and 100000 and --rollout-clips between 0 and 100000")
        }
        guard (2...1024).contains(clipLength) else { throw ValidationError("--clip-length must be between 2 and 1024, got \(clipLength)") }
        guard (1...1023).contains(horizon) else { throw ValidationError("--horizon must be between 1 and 1023, got \(horizon)") }
        try ModelWorldOptions.validateSampling(iterations: iterations, temperature: temperature)
    }

    func run() throws {
        guard tokenizer != nil || lam != nil || dynamics != nil else {
            throw ValidationError("give at least one of --tokenizer, --lam, --dynamics")
        }
        if dynamics != nil && (tokenizer == nil || lam == nil) {
            throw ValidationError("--dynamics needs --tokenizer and --lam too (it works on their codes and actions)")
        }
        let tokenizerLoaded = try tokenizer.map { try Checkpoint.loadTokenizer($0) }
        let lamLoaded = try lam.map { try Checkpoint.loadLatentActionModel($0) }
        // Frames of any size are brought to the size the models read.
        let modelFrame = tokenizerLoaded.map { ($0.0.config.frameWidth, $0.0.config.frameHeight) } ?? lamLoaded.map { ($0.0.config.frameWidth, $0.0.config.frameHeight) }
        let dataset = try VideoDataset(root: data, frameSize: modelFrame.map { FrameSize(width: $0.0, height: $0.1) })
        let chosen = Evaluation.clips(dataset, length: clipLength, count: clips)
        guard !chosen.isEmpty else { throw ValidationError("no episode in \(data) has \(clipLength) frames; lower --clip-length") }
        var report: [String: Any] = ["data": data, "clips": chosen.count, "clip_length": clipLength]
        if transitions != nil && lam == nil { throw ValidationError("--transitions lists the LAM's codes: it needs --lam") }
        if keymap != nil && dynamics == nil { throw ValidationError("--keymap is used with --dynamics (for the rollout comparison)") }
        guard scriptedStarts >= 0, scriptedStarts <= 10_000 else { throw ValidationError("--scripted-starts must be between 0 and 10000") }
        if scriptedStarts > 0 && keymap == nil { throw ValidationError("--scripted-starts needs --dynamics and --keymap (the scripts name controls)") }
        var tokenizerModel: VideoTokenizer?, lamModel: LatentActionModel?, tokenizerWindow = 16, lamWindow = 16
        if let (model, file) = tokenizerLoaded {
            tokenizerWindow = trainingClipLength(file.metadata)
            try checkFrameSize(model.config.frameWidth, model.config.frameHeight, dataset)
            tokenizerModel = model
            let (p, s, codes) = withoutGradient { Evaluation.tokenizer(model, dataset: dataset, clips: chosen, length: clipLength) }
            report["tokenizer_psnr"] = rounded(p, 2)
            report["tokenizer_ssim"] = rounded(s, 4)
            report["tokenizer_codes_used"] = codes.used
            report["tokenizer_code_perplexity"] = rounded(codes.perplexity, 1)
            report["tokens_per_frame"] = model.config.tokensPerFrame
            if let pictures {
                try Folder.create(pictures)
                var rows: [[Frame]] = []
                for clip in chosen.prefix(4) {
                    let frames = ClipSampler.frames(dataset, clips: [clip], length: clipLength)
                    let out = withoutGradient { model.decode(codes: model.encode(frames), batch: 1, frames: clipLength) }
                    let shown = 0..<min(8, clipLength)
                    rows.append(shown.map { frames.frame(batch: 0, time: $0) })
                    rows.append(shown.map { out.frame(batch: 0, time: $0) })
                }
                try PNG.write(FrameGrid.make(rows, scale: 2), to: pictures + "/tokenizer.png")
            }
        }
        if let (model, file) = lamLoaded {
            lamWindow = trainingClipLength(file.metadata)
            try checkFrameSize(model.config.frameWidth, model.config.frameHeight, dataset)
            lamModel = model
            let evaluated = Evaluation.latentActionTransitions(model, dataset: dataset, clips: chosen, length: clipLength)
            if let transitions { try Self.writeTransitions(evaluated, dataset: dataset, to: transitions) }
            let figures = Evaluation.latentActionFigures(evaluated, codeCount: model.config.actions)
            report["lam_codes_used"] = figures.codesUsed
            report["lam_code_histogram"] = figures.histogram
            if let all = figures.agreementAll, let visible = figures.agreement, let classes = figures.agreementClasses {
                report["lam_agreement"] = rounded(visible.accuracy, 4)
                report["lam_visible_transitions"] = figures.visibleTransitions
                report["lam_agreement_all"] = rounded(all.accuracy, 4)
                report["lam_nmi"] = rounded(all.normalizedMutualInformation, 4)
                report["lam_code_to_action"] = all.mapping
                report["lam_confusion"] = all.confusion
                report["lam_confusion_classes"] = classes.confusion
                report["lam_agreement_classes"] = rounded(classes.accuracy, 4)
                report["lam_nmi_classes"] = rounded(classes.normalizedMutualInformation, 4)
            }
        }
        if let dynamics, let tokenizerModel, let lamModel {
            let (model, dynamicsFile) = try Checkpoint.loadDynamics(dynamics)
            guard model.config.tokensPerFrame == tokenizerModel.config.tokensPerFrame, model.config.codebookSize == tokenizerModel.config.codebookSize else {
                throw CheckpointError.mismatched("the dynamics model works on \(model.config.tokensPerFrame) tokens of \(model.config.codebookSize) codes, the tokenizer makes \(tokenizerModel.config.tokensPerFrame) of \(tokenizerModel.config.codebookSize)")
            }
            guard model.config.actions == lamModel.config.actions else {
                throw CheckpointError.mismatched("the dynamics model takes \(model.config.actions) actions, the LAM has \(lamModel.config.actions)")
            }
            let dynamicsClips = Evaluation.clips(dataset, length: horizon + 1, count: clips)
            let figures = withoutGradient {
                Self.reportingProgress("dynamics", unit: "clips", total: dynamicsClips.count) { done in
                    Evaluation.dynamics(model, tokenizer: tokenizerModel, lam: lamModel, dataset: dataset, clips: dynamicsClips,
                                        horizon: horizon, settings: MaskGITSettings(iterations: iterations, temperature: temperature), seed: seed,
                                        progress: done)
                }
            }
            report["dynamics_masked_accuracy"] = rounded(figures.maskedAccuracy, 4)
            report["next_frame_psnr"] = rounded(figures.nextFramePSNR, 2)
            report["psnr_t\(horizon)_inferred"] = rounded(figures.psnrInferred, 2)
            report["psnr_t\(horizon)_random"] = rounded(figures.psnrRandom, 2)
            report["delta_psnr_t\(horizon)"] = rounded(figures.deltaPSNR, 3)
            let keyMap = try keymap.map { try LatentKeyMap.load($0) }
            if let pictures {
                try Folder.create(pictures)
                let prompt = try picturePrompt.map { try PNG.read($0) } ?? dataset.episodes[chosen[0].episode].frames[chosen[0].start]
                let world = try WorldModel(tokenizer: tokenizerModel, dynamics: model, keyMap: keyMap,
                                           settings: WorldModelSettings(maskGIT: MaskGITSettings(iterations: iterations, temperature: temperature)),
                                           prompt: .fixed([prompt]), weightHashes: [:],
                                           trainedWindows: (trainingClipLength(dynamicsFile.metadata), tokenizerWindow), seed: seed)
                let rows = try withoutGradient {
                    try (0..<world.actionCount).map { action in
                        try [world.reset(seed: seed)] + (0..<8).map { _ in try world.step(action) }
                    }
                }
                try PNG.write(FrameGrid.make(rows, scale: 2), to: pictures + "/latent_actions.png")
                report["latent_action_names"] = (0..<world.actionCount).map { world.actionName($0) }
            }
            if let keyMap {
                let settings = WorldModelSettings(maskGIT: MaskGITSettings(iterations: iterations, temperature: temperature))
                let windows = (trainingClipLength(dynamicsFile.metadata), tokenizerWindow)
                func world(_ prompt: Frame, _ worldSeed: UInt64) throws -> WorldModel {
                    try WorldModel(tokenizer: tokenizerModel, dynamics: model, keyMap: keyMap, settings: settings, prompt: .fixed([prompt]),
                                   weightHashes: [:], trainedWindows: windows, seed: worldSeed)
                }
                // From held-out first frames, 16 frames of noop: does the scene stay?
                let prompts = Evaluation.clips(dataset, length: 1, count: rolloutClips).map { dataset.episodes[$0.episode].frames[$0.start] }
                let persistence = try withoutGradient {
                    try Self.reportingProgress("prompt persistence", unit: "prompts", total: prompts.count) { done in
                        try Evaluation.promptPersistence(prompts: prompts, steps: 16, seed: seed, makeWorld: Self.counting(done, world))
                    }
                }
                if scriptedStarts > 0 {
                    let truth = try PlatformerWorld(seed: 0, width: tokenizerModel.config.frameWidth, height: tokenizerModel.config.frameHeight, camera: camera)
                    let starts = (0..<scriptedStarts).map { DatasetWriter.episodeSeed(datasetSeed: scriptedSeed, episode: $0) }
                    let scripts = RolloutScript.standard
                    let scripted = try withoutGradient {
                        try Self.reportingProgress("scripted rollouts", unit: "runs", total: starts.count * scripts.count) { done in
                            try ScriptedRollouts.evaluate(truth: truth, starts: starts, scripts: scripts, makeWorld: Self.counting(done, world))
                        }
                    }
                    // The ceiling: the simulator's frames through the tokenizer alone.
                    let ceiling = try withoutGradient {
                        try ScriptedRollouts.evaluate(truth: truth, starts: starts) { _, _ in
                            TokenizerReconstruction(simulator: try PlatformerWorld(seed: 0, width: truth.frameWidth, height: truth.frameHeight, camera: camera),
                                                    tokenizer: tokenizerModel, window: tokenizerWindow)
                        }
                    }
                    report["scripted_starts"] = scriptedStarts
                    for (prefix, results) in [("scripted", scripted), ("scripted_ceiling", ceiling)] {
                        for (name, figures) in results {
                            for (t, value) in figures.psnr { report["\(prefix)_\(name)_psnr_t\(t)"] = rounded(value, 2) }
                            for (t, value) in figures.playerPSNR { report["\(prefix)_\(name)_player_psnr_t\(t)"] = rounded(value, 2) }
                            report["\(prefix)_\(name)_player_missing"] = rounded(figures.playerMissing, 4)
                            report["\(prefix)_\(name)_player_at_end"] = rounded(figures.playerAtEnd, 4)
                        }
                    }
                }
                report["prompt_persistence_psnr"] = persistence.map { rounded($0, 2) }
                for t in [1, 4, 16] { report["prompt_persistence_psnr_t\(t)"] = rounded(persistence[t - 1], 2) }
                let horizons = [1, 4, 16]
                let clips = Evaluation.clips(dataset, length: horizons.max()! + 1, count: rolloutClips)
                    .filter { dataset.episodes[$0.episode].actions != nil }
                guard !clips.isEmpty else { throw ValidationError("the rollout comparison needs episodes of at least 17 frames with actions.csv in \(data)") }
                // Beside the keys and random latents: what each press did (where the data says) and the
                // LAM's own latents, so the figures show what the key map loses.
                var also: [Evaluation.RolloutActions] = [.inferred(lamModel, window: lamWindow)]
                if clips.allSatisfy({ dataset.episodes[$0.episode].actionClasses != nil }) { also.insert(.effective, at: 0) }
                let rollouts = try withoutGradient {
                    try Self.reportingProgress("rollouts", unit: "clips", total: clips.count) { done in
                        try Evaluation.rollouts(dataset: dataset, clips: clips, horizons: horizons, seed: seed, also: also,
                                                makeWorld: Self.counting(done, world))
                    }
                }
                report["rollout_clips"] = rollouts.clips
                for (name, figures) in rollouts.psnr {
                    for h in horizons { report["rollout_psnr_t\(h)_\(name)"] = rounded(figures[h]!, 2) }
                }
            }
        }
        if json { printJSON(report); return }
        for key in report.keys.sorted() { print("\(key): \(report[key]!)") }
    }

    /// Runs one long part of the evaluation with a progress bar on stderr: `work` is given a
    /// function to call with the number of items done as each next one starts.
    static func reportingProgress<T>(_ label: String, unit: String, total: Int, _ work: (_ done: @escaping (Int) -> Void) throws -> T) rethrows -> T {
        let bar = ProgressBar(label: "eval: \(label)", unit: unit)
        defer { bar.finish() }
        let result = try work { bar.update($0, of: total) }
        bar.update(total, of: total)
        return result
    }

    /// `makeWorld` that reports how many worlds it has made before making the next.
    static func counting<W>(_ done: @escaping (Int) -> Void, _ makeWorld: @escaping (Frame, UInt64) throws -> W) -> (Frame, UInt64) throws -> W {
        var made = 0
        return { prompt, seed in
            done(made)
            made += 1
            return try makeWorld(prompt, seed)
        }
    }

    /// One row per transition; the episode by its folder, relative to --data (quoted, as a
    /// folder name may hold a comma).
    static func writeTransitions(_ transitions: [Evaluation.LatentActionTransition], dataset: VideoDataset, to path: String) throws {
        let dimension = transitions.first?.latent.count ?? 0
        let folders = dataset.episodes.map { episode -> String in
            let relative = episode.path.hasPrefix(dataset.root + "/") ? String(episode.path.dropFirst(dataset.root.count + 1)) : episode.path
            return "\"" + relative.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var text = "episode,frame,action,class,code,changed_values" + (0..<dimension).map { ",z\($0)" }.joined() + "\n"
        for t in transitions {
            let optional = { (x: Int?) in x.map(String.init) ?? "" }
            text += "\(folders[t.episode]),\(t.frame),\(optional(t.action)),\(optional(t.actionClass)),\(t.code),\(t.changedValues)"
            text += t.latent.map { ",\($0)" }.joined() + "\n"
        }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try Folder.create(folder) }
        try AtomicFile.write(Data(text.utf8), to: path)
    }

    func checkFrameSize(_ width: Int, _ height: Int, _ dataset: VideoDataset) throws {
        guard width == dataset.frameWidth, height == dataset.frameHeight else {
            throw ValidationError("the model was trained on \(width)x\(height) frames but \(data) holds \(dataset.frameWidth)x\(dataset.frameHeight)")
        }
    }
}

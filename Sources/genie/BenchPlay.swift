import ArgumentParser
import Foundation
import GenieMedia
import GenieModels
import GenieTensor
import GenieTerminal
import GenieTraining
import Platformer

/// `genie bench play`: how fast the learned world plays, headless. Milliseconds per frame
/// split into MaskGIT, the commit pass, decoding and half-block rendering; achieved GFLOP/s
/// against raw cblas_sgemm at play's own GEMM shapes; peak memory; time near step 10 and
/// near step 1000 (and at the end of a long soak). With --compare-window: the rolling cache
/// against re-running the last W frames from scratch (frame PSNR).
struct BenchPlay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Frames per second of the learned world (random default-size models unless --weights), or --compare-window.")

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: "Frames to generate (10000 for the soak).")
    var frames = 1010

    /// Weights, prompt and sampling settings, as for `genie play`; without an explicit
    /// --weights, default-size models are randomly initialised (speed does not depend on
    /// the weights).
    @OptionGroup(title: "Learned world") var model: ModelWorldOptions

    var weights: String? { model.weightsOption }
    var iterations: Int { model.iterations }
    var temperature: Float { model.temperature }

    @Option(help: "Dynamics width for random models (default: DynamicsConfig's).")
    var width: Int?

    @Option(help: "Dynamics depth for random models (default: DynamicsConfig's).")
    var depth: Int?

    @Option(help: "Seed of the actions and the sampling.")
    var seed: UInt64 = 1

    @Flag(help: "Compare the rolling KV cache with re-running the last W frames from scratch.")
    var compareWindow = false

    @Option(help: "With --compare-window: steps to generate per rollout.")
    var compareSteps = 40

    @Option(help: "With --compare-window: held-out simulator episodes (actions.csv) to compare both against real frames, actions through the key map.")
    var data: String?

    @Option(help: "With --compare-window --data: episodes to use.")
    var episodes = 4

    func validate() throws {
        guard frames >= 1, iterations >= 1, compareSteps >= 1, episodes >= 1 else {
            throw ValidationError("--frames, --iterations, --compare-steps and --episodes must be positive")
        }
    }

    func makeWorld() throws -> WorldModel {
        let settings = model.settings
        if let weights {
            return try ModelWorldLoader.load(weights: weights, promptFiles: [], settings: settings, seed: seed)
        }
        let tokenizerConfig = TokenizerConfig()
        var dynamicsConfig = DynamicsConfig()
        dynamicsConfig.tokensPerFrame = tokenizerConfig.tokensPerFrame
        dynamicsConfig.codebookSize = tokenizerConfig.codebookSize
        if let width { dynamicsConfig.transformer.width = width }
        if let depth { dynamicsConfig.transformer.depth = depth }
        return try WorldModel(tokenizer: VideoTokenizer(tokenizerConfig, seed: 1), dynamics: DynamicsModel(dynamicsConfig, seed: 2),
                              keyMap: nil, settings: settings, prompt: ModelWorldLoader.simulatorStartPrompt(),
                              weightHashes: ["tokenizer": "random:1", "dynamics": "random:2"], seed: seed)
    }

    func run() throws {
        let world = try makeWorld()
        if compareWindow { try compare(world); return }

        var report: [String: Any] = ["cpu": OpenBLASKernel.cpuModel, "openblas_core": BLASInfo.coreName,
                                     "openblas_thread_timeout": ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"] ?? "default (28)",
                                     "weights": weights ?? "random (default configs)", "iterations": iterations,
                                     "temperature": Double(temperature), "frames": frames,
                                     "dynamics": "width \(world.dynamics.config.transformer.width), depth \(world.dynamics.config.transformer.depth), \(world.dynamics.config.tokensPerFrame) tokens, \(world.dynamics.config.codebookSize) codes",
                                     "dynamics_window": world.dynamicsWindow, "decoder_window": world.decoderWindow]
        let rawGflops = Self.rawSgemmAtPlayShapes(world)
        var generator = RandomGenerator(seed: seed)
        var buffer = ""
        let first = try world.reset(seed: seed)
        report["ms_encode_prompt"] = rounded(world.timings.encode * 1000, 2)
        Self.render(first, into: &buffer)

        var total: [Double] = [], maskGIT: [Double] = [], commit: [Double] = [], decode: [Double] = [], render: [Double] = []
        var rssAtStep10 = 0.0
        for i in 0..<frames {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let frame = try world.step(generator.nextInt(world.actionCount))
            let t1 = DispatchTime.now().uptimeNanoseconds
            Self.render(frame, into: &buffer)
            let t2 = DispatchTime.now().uptimeNanoseconds
            total.append(Double(t2 - t0) / 1e6)
            render.append(Double(t2 - t1) / 1e6)
            maskGIT.append(world.timings.maskGIT * 1000); commit.append(world.timings.commit * 1000); decode.append(world.timings.decode * 1000)
            if i + 1 == 10 { rssAtStep10 = Self.memory("VmRSS") }
            if !json, (i + 1) % 1000 == 0 {
                FileHandle.standardError.write(Data("  step \(i + 1): \(rounded(Self.median(total.suffix(100)), 1)) ms/frame, RSS \(rounded(Self.memory("VmRSS"), 1)) MB\n".utf8))
            }
        }
        let sorted = total.sorted()
        let p50 = Self.percentile(sorted, 0.5), p95 = Self.percentile(sorted, 0.95)
        // Model FLOPs of one frame over the time the model took (not the renderer).
        let modelSeconds = (Self.median(maskGIT) + Self.median(commit) + Self.median(decode)) / 1000
        let achieved = Self.flopsPerFrame(world) / modelSeconds / 1e9
        // Median of the 10 frames after `step` (steps step+1 … step+10): the temporal windows
        // fill during the first W steps, so the frames before step 10 cost less (fewer cached
        // frames to attend to) and are not what "near step 10" should compare.
        func near(_ step: Int) -> Any {
            guard total.count >= step + 1 else { return NSNull() }
            return rounded(Self.median(total[step..<min(step + 10, total.count)]), 2)
        }
        report["fps"] = rounded(1000 / p50, 1)
        report["ms_p50"] = rounded(p50, 2)
        report["ms_p95"] = rounded(p95, 2)
        report["ms_maskgit"] = rounded(Self.median(maskGIT), 2)
        report["ms_commit"] = rounded(Self.median(commit), 2)
        report["ms_decode"] = rounded(Self.median(decode), 2)
        report["ms_render"] = rounded(Self.median(render), 3)
        report["ms_step10"] = near(10)
        report["ms_step1000"] = near(1000)
        report["ms_last10"] = rounded(Self.median(total.suffix(10)), 2)
        report["gflops"] = rounded(achieved, 1)
        report["sgemm_gflops_play_shapes"] = rounded(rawGflops, 1)
        report["efficiency"] = rounded(achieved / rawGflops, 3)
        report["gflop_per_frame"] = rounded(Self.flopsPerFrame(world) / 1e9, 3)
        report["rss_mb"] = rounded(Self.memory("VmHWM"), 1)
        report["rss_mb_step10"] = rounded(rssAtStep10, 1)
        report["rss_mb_end"] = rounded(Self.memory("VmRSS"), 1)
        if json { printJSON(report); return }
        print("CPU \(report["cpu"]!), OpenBLAS kernel \(BLASInfo.coreName); \(report["dynamics"]!); \(iterations) MaskGIT iterations")
        for key in report.keys.sorted() where !["cpu", "dynamics"].contains(key) { print("\(key): \(report[key]!)") }
    }

    // MARK: Rolling cache against re-running the window

    func compare(_ world: WorldModel) throws {
        let rerun = RerunWindowRollout(tokenizer: world.tokenizer, dynamics: world.dynamics, settings: world.settings.maskGIT,
                                       dynamicsWindow: world.dynamicsWindow, decoderWindow: world.decoderWindow)
        var report: [String: Any] = ["cpu": OpenBLASKernel.cpuModel, "weights": weights ?? "random (default configs)",
                                     "dynamics_window": world.dynamicsWindow, "decoder_window": world.decoderWindow,
                                     "iterations": iterations, "temperature": Double(temperature), "steps": compareSteps,
                                     "psnr_cap_db": 100]
        func capped(_ x: Double) -> Double { min(x, 100) }
        // 1. The two ways side by side from the same prompt, seed and actions.
        var g = RandomGenerator(seed: seed &+ 17)
        let actions = (0..<compareSteps).map { _ in g.nextInt(world.actionCount) }
        _ = try world.reset(seed: seed)
        _ = rerun.reset(prompt: try world.prompt.frames(seed), seed: seed, promptAction: Int32(world.promptAction))
        var inside: [Double] = [], past: [Double] = []
        var cachedSeconds = 0.0, rerunSeconds = 0.0
        for a in actions {
            let t0 = Date()
            let c = try world.step(a)
            let t1 = Date()
            let r = rerun.step(Int32(a))
            cachedSeconds += t1.timeIntervalSince(t0); rerunSeconds += Date().timeIntervalSince(t1)
            // Frame index of the new frame: inside the window while every layer sees all frames so far.
            let index = world.frameIndex - 1
            if index < min(world.dynamicsWindow, world.decoderWindow) { inside.append(capped(psnr(c, r))) } else { past.append(capped(psnr(c, r))) }
        }
        func mean(_ xs: [Double]) -> Any { xs.isEmpty ? NSNull() : rounded(xs.reduce(0, +) / Double(xs.count), 2) }
        report["psnr_cache_vs_rerun_inside_window"] = mean(inside)
        report["psnr_cache_vs_rerun_past_window"] = mean(past)
        report["ms_per_frame_cache"] = rounded(cachedSeconds * 1000 / Double(compareSteps), 1)
        report["ms_per_frame_rerun"] = rounded(rerunSeconds * 1000 / Double(compareSteps), 1)

        // 2. Both against the simulator's real frames (trained weights + key map).
        if let data {
            guard let keyMap = world.keyMap else { throw ValidationError("--data needs a key map in the weights (keymap.json) to turn true actions into latents") }
            let dataset = try VideoDataset(root: data, maxEpisodes: episodes)
            var cachedPSNR: [Double] = [], rerunPSNR: [Double] = []
            var atT: [Int: (Double, Double, Int)] = [:]
            for episode in dataset.episodes {
                guard let trueActions = episode.actions, episode.frames.count > 1 else { continue }
                let steps = min(compareSteps, episode.frames.count - 1)
                let cachedWorld = try WorldModel(tokenizer: world.tokenizer, dynamics: world.dynamics, keyMap: keyMap, settings: world.settings,
                                                 prompt: .fixed([episode.frames[0]]), weightHashes: world.weightHashes,
                                                 trainedWindows: (world.dynamicsWindow, world.decoderWindow), seed: seed)
                _ = try cachedWorld.reset(seed: seed)
                _ = rerun.reset(prompt: [episode.frames[0]], seed: seed, promptAction: Int32(cachedWorld.promptAction))
                for t in 1...steps {
                    let name = PlatformerAction.names[trueActions[t - 1]]
                    let latent = keyMap.controls[name] ?? cachedWorld.promptAction
                    let c = capped(psnr(episode.frames[t], try cachedWorld.step(latent)))
                    let r = capped(psnr(episode.frames[t], rerun.step(Int32(latent))))
                    cachedPSNR.append(c); rerunPSNR.append(r)
                    let sum = atT[t] ?? (0, 0, 0)
                    atT[t] = (sum.0 + c, sum.1 + r, sum.2 + 1)
                }
            }
            report["psnr_real_cache"] = mean(cachedPSNR)
            report["psnr_real_rerun"] = mean(rerunPSNR)
            for t in [1, 4, 16, 32] {
                if let v = atT[t] {
                    report["psnr_real_cache_t\(t)"] = rounded(v.0 / Double(v.2), 2)
                    report["psnr_real_rerun_t\(t)"] = rounded(v.1 / Double(v.2), 2)
                }
            }
        }
        if json { printJSON(report); return }
        for key in report.keys.sorted() { print("\(key): \(report[key]!)") }
    }

    // MARK: Pieces

    /// Half-block rendering of a frame into a string of 24-bit ANSI cells (what a terminal
    /// would be sent, minus ncurses' diffing).
    static func render(_ frame: Frame, into buffer: inout String) {
        let grid = CellPicture(frame: frame, columns: frame.width, rows: (frame.height + 1) / 2)
        buffer.removeAll(keepingCapacity: true)
        for y in 0..<grid.rows {
            for x in 0..<grid.columns {
                let c = grid[x, y]
                buffer += "\u{1B}[38;2;\(c.foreground.r);\(c.foreground.g);\(c.foreground.b);48;2;\(c.background.r);\(c.background.g);\(c.background.b)m▀"
            }
            buffer += "\u{1B}[0m\n"
        }
    }

    /// Model FLOPs of one frame: `iterations` dynamics passes with the head, one commit pass
    /// without it, one decoder pass; cached temporal attention over a full window.
    static func flopsPerFrame(_ world: WorldModel) -> Double {
        func pass(_ c: TransformerConfig, tokens s: Int, window w: Int) -> Double {
            let n = Double(s), d = Double(c.width)
            let perBlock = 2 * n * d * d * 8 + 2 * n * d * d * Double(2 * c.feedForwardMultiple) + 4 * n * Double(s) * d + 4 * n * Double(w) * d
            return Double(c.depth) * perBlock
        }
        let dc = world.dynamics.config, tc = world.tokenizer.config
        let s = dc.tokensPerFrame
        let dynamicsPass = pass(dc.transformer, tokens: s, window: world.dynamicsWindow)
        let head = 2 * Double(s * dc.transformer.width * dc.codebookSize)
        let decoder = pass(tc.decoder, tokens: s, window: world.decoderWindow)
            + 2 * Double(s * (tc.codeDimension * tc.decoder.width + tc.decoder.width * tc.patchValues))
        return Double(world.settings.maskGIT.iterations) * (dynamicsPass + head) + dynamicsPass + decoder
    }

    /// Raw cblas_sgemm GFLOP/s over the dense layers of one dynamics pass (rows = one frame's
    /// tokens), weighted as the pass weights them: the fair ceiling for play.
    static func rawSgemmAtPlayShapes(_ world: WorldModel) -> Double {
        let c = world.dynamics.config, d = c.transformer.width, s = c.tokensPerFrame, hidden = d * c.transformer.feedForwardMultiple
        let shapes = [(d, d, 8), (d, hidden, 1), (hidden, d, 1), (d, c.codebookSize, 1)]  // (in, out, count per block)
        var g = RandomGenerator(seed: 3)
        var flops = 0.0, seconds = 0.0
        for (k, n, count) in shapes {
            let a = Tensor.randomNormal([s, k], std: 1, generator: &g), b = Tensor.randomNormal([k, n], std: 1, generator: &g)
            let out = Tensor.zeros([s, n])
            let t = measure(minimumSeconds: 0.2) {
                gemm(transposeA: false, transposeB: false, m: s, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: n, c: out.data, ldc: n)
            }
            flops += Double(count) * 2 * Double(s * n * k)
            seconds += Double(count) * t
        }
        return flops / seconds / 1e9
    }

    static func median<C: Collection>(_ xs: C) -> Double where C.Element == Double {
        let s = xs.sorted()
        return s.isEmpty ? 0 : s[s.count / 2]
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    /// A memory figure of this process from /proc/self/status, in MB (VmHWM = peak RSS).
    static func memory(_ field: String) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
        return 0
    }
}

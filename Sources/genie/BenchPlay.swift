import ArgumentParser
import Foundation
import GenieMedia
import GenieModels
import GenieWorld
import GenieTensor
import GenieTerminal
import GenieTraining
import Platformer

/// `genie bench play`: how fast the learned world plays, headless. Milliseconds per frame
/// split into MaskGIT, the commit pass, decoding and half-block rendering; achieved GFLOP/s
/// against raw cblas_sgemm at play's own GEMM shapes; peak memory; time near step 10 and
/// near step 1000 (and at the end of a long soak).
struct BenchPlay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Frames per second of the learned world (random default-size models unless --weights).")

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

    @Flag(help: "Also print where the model's time goes, by tensor operation (frames after the 10th).")
    var profile = false

    func validate() throws {
        guard frames >= 1, iterations >= 1 else { throw ValidationError("--frames and --iterations must be positive") }
        if weights == nil {
            do { try randomDynamicsConfig.validate() } catch let error as ModelConfigurationError {
                throw ValidationError("the model settings are invalid: \(error.reason)")
            }
        }
    }

    /// Without --weights: a random dynamics model of the default settings at --width and --depth.
    var randomDynamicsConfig: DynamicsConfig {
        let tokenizerConfig = TokenizerConfig()
        var config = DynamicsConfig()
        config.tokensPerFrame = tokenizerConfig.tokensPerFrame
        config.codebookSize = tokenizerConfig.codebookSize
        if let width { config.transformer.width = width }
        if let depth { config.transformer.depth = depth }
        return config
    }

    func makeWorld() throws -> WorldModel {
        let settings = model.settings
        if let weights {
            return try ModelWorldLoader.load(weights: weights, promptFiles: [], settings: settings, seed: seed)
        }
        return try WorldModel(tokenizer: VideoTokenizer(TokenizerConfig(), seed: 1), dynamics: DynamicsModel(randomDynamicsConfig, seed: 2),
                              keyMap: nil, settings: settings, prompt: ModelWorldLoader.simulatorStartPrompt(),
                              weightHashes: ["tokenizer": "random:1", "dynamics": "random:2"], seed: seed)
    }

    func run() throws {
        let world = try makeWorld()

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
        var profiledFrames = 0
        for i in 0..<frames {
            if profile && i == 10 { OperationProfile.start() }
            if OperationProfile.enabled { profiledFrames += 1 }
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
        if profile {
            let table = OperationProfile.stop()
            if profiledFrames > 0 {
                printOperationProfile(table, title: "play", per: profiledFrames, unit: "frame",
                                      measuredSeconds: total.suffix(profiledFrames).reduce(0, +) / 1000 / Double(profiledFrames))
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
        // Whether a frame's cost stays flat over a long run: the median of each 1,000 frames.
        if total.count >= 1000 {
            report["ms_p50_per_1000"] = stride(from: 0, to: total.count / 1000 * 1000, by: 1000).map { rounded(Self.median(total[$0..<($0 + 1000)]), 2) }
        }
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

    static func flopsPerFrame(_ world: WorldModel) -> Double {
        FLOPs.playFrame(tokenizer: world.tokenizer.config, dynamics: world.dynamics.config, iterations: world.settings.maskGIT.iterations,
                        dynamicsWindow: world.dynamicsWindow, decoderWindow: world.decoderWindow)
    }

    /// Raw cblas_sgemm GFLOP/s over the dense layers of one dynamics pass (rows = one frame's
    /// tokens), weighted as the pass weights them: the fair ceiling for play.
    static func rawSgemmAtPlayShapes(_ world: WorldModel) -> Double {
        let c = world.dynamics.config, d = c.transformer.width, s = c.tokensPerFrame, hidden = d * c.transformer.feedForwardMultiple
        let shapes = [(d, 3 * d, 2), (d, d, 2), (d, hidden, 1), (hidden, d, 1), (d, c.codebookSize, 1)]  // (in, out, count per block)
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

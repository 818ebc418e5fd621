import ArgumentParser
import Foundation
import GenieModels
import GenieSupport
import GenieTensor
import GenieTraining

/// `genie bench train`: training throughput of each network at its default configuration.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training tokens/s and achieved GFLOP/s ÷ raw sgemm GFLOP/s for tokenizer, LAM and dynamics.")

    @Flag(help: "Print one JSON object instead of text.")
    var json = false
    @Option(help: "Clips per batch.") var batch = 8
    @Option(help: "Frames per clip.") var frames = 16
    @Option(help: "Timed steps per model.") var steps = 3
    @Option(help: "Patch size of the tokenizer to measure.") var patch: Int?
    @Option(name: .customLong("model"), help: "Measure only this network (tokenizer, lam or dynamics); repeat for several. Default: all three.")
    var models: [String] = []
    @Flag(help: "Also print the wall time per operation (forward and backward) of the timed steps.")
    var profile = false
    @Option(help: ArgumentHelp("Under mpirun: the --json output of a one-process run, to report the throughput of the ranks against it.", valueName: "file"))
    var compareWith: String?

    func validate() throws {
        guard (1...1024).contains(batch), (2...256).contains(frames), (1...1000).contains(steps) else {
            throw ValidationError("--batch must be 1...1024, --frames 2...256 and --steps 1...1000")
        }
        do { try tokenizerConfig.validate(); try dynamicsConfig.validate() } catch let error as ModelConfigurationError {
            throw ValidationError("the model settings are invalid: \(error.reason)")
        }
        for m in models where !["tokenizer", "lam", "dynamics"].contains(m) {
            throw ValidationError("--model must be tokenizer, lam or dynamics, not '\(m)'")
        }
    }

    /// The networks measured: the default settings, the tokenizer at --patch.
    var tokenizerConfig: TokenizerConfig {
        var config = TokenizerConfig()
        if let patch { config.patch = patch }
        return config
    }
    var dynamicsConfig: DynamicsConfig {
        var config = DynamicsConfig()
        config.tokensPerFrame = tokenizerConfig.tokensPerFrame
        return config
    }

    func run() throws {
        // Under mpirun each rank computes its share of the global batch of --batch clips and
        // the gradients are summed over the ranks, as in `genie train`.
        let group = Distributed.group, ranks = group.size
        try group.share.validate(batch: batch)
        let batch = self.batch / ranks, globalBatch = self.batch
        let baseline = try compareWith.map { path -> [String: Any] in
            guard let data = try? RegularFile.read(path, limit: 64 << 20),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ValidationError("--compare-with \(path) is not the --json output of genie bench train")
            }
            return object
        }
        var g = RandomGenerator(seed: 5)
        let big = Tensor.zeros([2048, 2048])
        for i in 0..<big.count { big.data[i] = g.nextNormal() }
        let c = Tensor.zeros([2048, 2048])
        let sgemmSeconds = measure(minimumSeconds: 0.5) {
            gemm(transposeA: false, transposeB: false, m: 2048, n: 2048, k: 2048, a: big.data, lda: 2048, b: big.data, ldb: 2048, c: c.data, ldc: 2048)
        }
        let sgemm = 2 * pow(2048.0, 3) / sgemmSeconds / 1e9
        var report: [String: Any] = ["cpu": OpenBLASKernel.cpuModel, "openblas_core": BLASInfo.coreName,
                                     "sgemm_gflops": rounded(sgemm, 1), "batch": globalBatch, "frames": frames, "ranks": ranks,
                                     "threads_per_rank": Parallelism.workers,
                                     "openblas_thread_timeout": ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"] ?? "default (28)"]

        func time(_ name: String, parameters: [Tensor], tokens: Int, flops: Double, _ step: () -> Tensor) {
            guard models.isEmpty || models.contains(name) else { return }
            let optimizer = AdamW(parameters: parameters, learningRate: 1e-4)
            // Seconds spent waiting for the slowest rank, and in the allreduce itself.
            var waiting = 0.0, reducing = 0.0
            func once() {
                // The gradient reset and the optimiser step are timed like operations.
                OperationProfile.time("zeroGradients") { optimizer.zeroGradients() }
                let loss = step()
                loss.backward()
                if ranks > 1 {
                    let arrived = Date()
                    _ = group.allreduceSum([0])
                    let started = Date()
                    allreduceGradients(parameters, over: group)
                    waiting += started.timeIntervalSince(arrived)
                    reducing += Date().timeIntervalSince(started)
                }
                OperationProfile.time("AdamW.update") { optimizer.update() }
            }
            once()
            (waiting, reducing) = (0, 0)
            if profile { OperationProfile.start() }
            let start = Date()
            for _ in 0..<steps { once() }
            let seconds = Date().timeIntervalSince(start) / Double(steps)
            let tokens = tokens * ranks
            if ranks > 1 {
                let count = parameters.reduce(0) { $0 + $1.count }
                report["\(name)_gradient_bytes_per_step"] = count * MemoryLayout<Float>.size
                report["\(name)_allreduce_ms_per_step"] = rounded(reducing / Double(steps) * 1000, 1)
                report["\(name)_imbalance_ms_per_step"] = rounded(waiting / Double(steps) * 1000, 1)
                report["\(name)_waiting_share"] = rounded((waiting + reducing) / Double(steps) / seconds, 3)
                if let single = baseline?["\(name)_tokens_per_second"] as? Double {
                    report["\(name)_throughput_ratio"] = rounded(Double(tokens) / seconds / single, 3)
                }
            }
            if profile {
                let table = OperationProfile.stop()
                if group.isRoot { printOperationProfile(table, title: name, per: steps, unit: "step", measuredSeconds: seconds) }
            }
            let gflops = flops / seconds / 1e9
            report["\(name)_seconds_per_step"] = rounded(seconds, 3)
            report["\(name)_tokens_per_second"] = rounded(Double(tokens) / seconds, 0)
            report["\(name)_gflops"] = rounded(gflops, 1)
            report["\(name)_efficiency"] = rounded(gflops / sgemm)
            report["\(name)_parameters"] = parameters.reduce(0) { $0 + $1.count }
            if !json && group.isRoot {
                print("\(name): \(rounded(seconds, 3)) s/step, \(Int(Double(tokens) / seconds)) tokens/s, \(rounded(gflops, 1)) GFLOP/s = \(rounded(gflops / sgemm)) of raw sgemm, \(parameters.reduce(0) { $0 + $1.count }) parameters")
            }
        }
        func randomFrames(_ c: Int, _ h: Int, _ w: Int) -> Tensor {
            let t = Tensor.zeros([batch, frames, h, w, c])
            for i in 0..<t.count { t.data[i] = g.nextFloat() }
            return t
        }
        let tokenizer = VideoTokenizer(tokenizerConfig, seed: 1)
        let clip = randomFrames(3, tokenizerConfig.frameHeight, tokenizerConfig.frameWidth)
        time("tokenizer", parameters: tokenizer.parameters, tokens: batch * frames * tokenizerConfig.tokensPerFrame,
             flops: FLOPs.tokenizerTraining(tokenizerConfig, batch: batch, frames: frames)) { tokenizer.trainingLoss(clip).loss }

        let lamConfig = LatentActionConfig()
        let lam = LatentActionModel(lamConfig, seed: 2)
        time("lam", parameters: lam.parameters, tokens: batch * frames * lamConfig.tokensPerFrame,
             flops: FLOPs.latentActionTraining(lamConfig, batch: batch, frames: frames)) { lam.trainingLoss(clip).loss }

        let dynamics = DynamicsModel(dynamicsConfig, seed: 3)
        let tokens = (0..<(batch * frames * dynamicsConfig.tokensPerFrame)).map { _ in Int32(g.nextInt(dynamicsConfig.codebookSize)) }
        let actions = (0..<(batch * (frames - 1))).map { _ in Int32(g.nextInt(dynamicsConfig.actions)) }
        time("dynamics", parameters: dynamics.parameters, tokens: tokens.count,
             flops: FLOPs.dynamicsTraining(dynamicsConfig, batch: batch, frames: frames)) {
            let mask = dynamics.sampleMask(batch: batch, frames: frames, generator: &g)
            return dynamics.trainingLoss(tokens: tokens, actions: actions, batch: batch, frames: frames, mask: mask).loss
        }
        report["peak_rss_mb"] = rounded(peakResidentMegabytes(), 1)
        guard group.isRoot else { return }
        if json { printJSON(report) } else { print("peak memory \(rounded(peakResidentMegabytes(), 1)) MB; kernel \(BLASInfo.coreName); raw sgemm \(rounded(sgemm, 1)) GFLOP/s") }
    }
}

/// Peak resident set size of this process (VmHWM), in MB.
func peakResidentMegabytes() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}

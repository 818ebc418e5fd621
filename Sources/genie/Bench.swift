import ArgumentParser
import Foundation
import GenieTensor

/// `genie bench …`: speed measurements that print figures (never timed unit tests).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed: kernels against raw sgemm, and more.",
        subcommands: [BenchKernels.self, BenchTrain.self, BenchRender.self, BenchPlay.self])
}

/// Times `body`: runs it until at least `minimumSeconds` have passed (and at least 3 times)
/// and returns the median seconds per run. `setup` runs before each timed call, untimed,
/// and hands its result to `body` (e.g. a forward pass whose backward is being timed).
func measure<Prepared>(minimumSeconds: Double = 0.3, setup: () -> Prepared, _ body: (Prepared) -> Void) -> Double {
    body(setup())  // warm-up
    var times: [Double] = []
    let start = Date()
    while times.count < 3 || Date().timeIntervalSince(start) < minimumSeconds {
        let prepared = setup()
        let t0 = DispatchTime.now().uptimeNanoseconds
        body(prepared)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        if times.count >= 200 { break }
    }
    times.sort()
    return times[times.count / 2]
}

func measure(minimumSeconds: Double = 0.3, _ body: () -> Void) -> Double {
    measure(minimumSeconds: minimumSeconds, setup: { () }, { _ in body() })
}

/// Prints a JSON object with keys in a stable, sorted order.
func printJSON(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}

func rounded(_ x: Double, _ places: Int = 3) -> Double {
    let p = pow(10.0, Double(places))
    return (x * p).rounded() / p
}

struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "GFLOP/s of raw cblas_sgemm and of the engine's linear, attention and LayerNorm, as ratios to raw sgemm.")

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Minimum seconds to time each case.")
    var seconds: Double = 0.3

    @Flag(help: "Only check the loaded kernel against plain reference loops, then exit (non-zero on a mismatch).")
    var verifyOnly = false

    @Flag(help: "Only print the loaded kernel's raw 1024^3 sgemm speed (\"sgemm_gflops N\"); play uses it to compare kernels.")
    var sgemmOnly = false

    func validate() throws {
        guard seconds >= 0.01, seconds <= 60 else { throw ValidationError("--seconds must be between 0.01 and 60, got \(seconds)") }
    }

    func run() throws {
        if sgemmOnly {
            print(String(format: "sgemm_gflops %.1f", OpenBLASKernel.sgemmGFLOPS()))
            return
        }
        // Figures from a kernel that computes wrong results are worthless: check it first.
        let kernelError = verifyGemmAgainstReference()
        let kernelCorrect = kernelError < 1e-3
        if verifyOnly || !kernelCorrect {
            print("OpenBLAS kernel \(BLASInfo.coreName): largest error against reference loops \(kernelError) -> \(kernelCorrect ? "correct" : "WRONG")")
            if !kernelCorrect { throw ExitCode(2) }
            return
        }
        var generator = RandomGenerator(seed: 1)
        func random(_ shape: [Int], grad: Bool = false) -> Tensor {
            Tensor.randomNormal(shape, std: 1, generator: &generator, requiresGrad: grad)
        }
        func rawSgemm(_ m: Int, _ n: Int, _ k: Int) -> Double {
            let a = random([m, k]), b = random([k, n]), c = Tensor.zeros([m, n])
            let s = measure(minimumSeconds: seconds) {
                gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: n, c: c.data, ldc: n)
            }
            return 2.0 * Double(m * n * k) / s / 1e9
        }

        let big = rawSgemm(2048, 2048, 2048)
        var rows: [[String: Any]] = []
        var linearRatios: [Double] = []
        for m in [64, 256, 1024, 4096] {
            for d in [128, 256, 512] {
                let raw = rawSgemm(m, d, d)
                let x = random([m, d], grad: true), w = random([d, d], grad: true), b = random([d], grad: true)
                let forward = measure(minimumSeconds: seconds) { _ = withoutGradient { linear(x, w, b) } }
                let ones = [Float](repeating: 1, count: m * d)
                let backward = measure(minimumSeconds: seconds, setup: { () -> Tensor in
                    x.zeroGradient(); w.zeroGradient(); b.zeroGradient()
                    return linear(x, w, b)
                }) { y in y.backward(seed: ones) }
                let flops = 2.0 * Double(m * d * d)
                let fwd = flops / forward / 1e9, bwd = 2 * flops / backward / 1e9
                if m >= 256 { linearRatios.append(fwd / raw) }
                rows.append(["case": "linear", "m": m, "d": d, "sgemm_gflops": rounded(raw, 1),
                             "forward_gflops": rounded(fwd, 1), "backward_gflops": rounded(bwd, 1),
                             "forward_ratio": rounded(fwd / raw), "backward_ratio": rounded(bwd / raw)])
            }
        }
        // Attention over a [B, T, S, C] grid: spatial (S = 64 tokens) and temporal (T = 16).
        for (axis, b, t, s, c) in [(AttentionAxis.spatial, 4, 16, 64, 256), (AttentionAxis.temporal, 4, 16, 64, 256)] {
            let heads = 4
            let q = random([b, t, s, c], grad: true), k = random([b, t, s, c], grad: true), v = random([b, t, s, c], grad: true)
            let length = axis == .spatial ? s : t
            let sequences = axis == .spatial ? b * t : b * s
            let flops = 4.0 * Double(sequences * length * length * c)  // QKᵀ and PV
            let forward = measure(minimumSeconds: seconds) {
                _ = withoutGradient { attention(query: q, key: k, value: v, heads: heads, axis: axis, causal: axis == .temporal) }
            }
            let ones = [Float](repeating: 1, count: q.count)
            let backward = measure(minimumSeconds: seconds, setup: { () -> Tensor in
                q.zeroGradient(); k.zeroGradient(); v.zeroGradient()
                return attention(query: q, key: k, value: v, heads: heads, axis: axis, causal: axis == .temporal)
            }) { y in y.backward(seed: ones) }
            let raw = rawSgemm(length, length, c / heads)
            let fwd = flops / forward / 1e9, bwd = 2 * flops / backward / 1e9
            rows.append(["case": "attention.\(axis.rawValue)", "shape": [b, t, s, c], "heads": heads,
                         "sgemm_gflops_same_tiles": rounded(raw, 1),
                         "forward_gflops": rounded(fwd, 1), "backward_gflops": rounded(bwd, 1),
                         "forward_ratio": rounded(fwd / big), "backward_ratio": rounded(bwd / big)])
        }
        do {
            let x = random([4096, 256], grad: true), g = random([256], grad: true), bias = random([256], grad: true)
            let forward = measure(minimumSeconds: seconds) { _ = withoutGradient { layerNorm(x, gain: g, bias: bias) } }
            let bytes = Double(x.count * 8)
            rows.append(["case": "layerNorm", "m": 4096, "d": 256, "forward_ms": rounded(forward * 1000, 4),
                         "forward_gbytes_per_s": rounded(bytes / forward / 1e9, 2)])
        }
        let linearRatio = linearRatios.reduce(0, +) / Double(max(linearRatios.count, 1))
        let report: [String: Any] = [
            "cpu": OpenBLASKernel.cpuModel,
            "openblas_core": BLASInfo.coreName,
            "openblas_threads": BLASInfo.threads,
            "recommended_core": OpenBLASKernel.recommended() ?? "none",
            "sgemm_gflops": rounded(big, 1),
            "kernel_max_error": Double(kernelError),
            "linear_ratio": rounded(linearRatio),
            "cases": rows,
        ]
        if json { printJSON(report); return }
        print("CPU \(OpenBLASKernel.cpuModel), OpenBLAS kernel \(BLASInfo.coreName), \(BLASInfo.threads) threads")
        print("raw sgemm 2048^3: \(rounded(big, 1)) GFLOP/s; engine linear forward / raw sgemm (M >= 256): \(rounded(linearRatio))")
        for r in rows {
            let keys = r.keys.sorted().filter { $0 != "case" }
            print("\(r["case"]!): " + keys.map { "\($0)=\(r[$0]!)" }.joined(separator: " "))
        }
    }
}

/// Prints an `OperationProfile` table: wall time per `unit` (step, frame) by operation, the
/// operations of at least 0.2 % of the total.
func printOperationProfile(_ table: [(operation: String, seconds: Double, calls: Int)], title: String, per count: Int,
                           unit: String, measuredSeconds: Double) {
    let total = table.reduce(0) { $0 + $1.seconds }
    print("\(title): wall time per \(unit) by operation (\(count) \(unit)s; total \(rounded(total / Double(count) * 1000, 2)) ms of \(rounded(measuredSeconds * 1000, 2)) ms)")
    for row in table where row.seconds / total >= 0.002 {
        let label = row.operation.padding(toLength: 30, withPad: " ", startingAt: 0)
        print(label + String(format: "%8.2f ms/\(unit) %5.1f %%  %4d calls/\(unit)",
                             row.seconds / Double(count) * 1000, 100 * row.seconds / total, row.calls / count))
    }
}

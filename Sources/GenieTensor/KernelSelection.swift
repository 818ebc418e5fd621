import Foundation

/// Chooses the OpenBLAS kernel from the CPU's own features.
///
/// Debian's OpenBLAS 0.3.21 does not recognise recent CPUs and falls back to its slowest
/// (Prescott) kernel. It reads OPENBLAS_CORETYPE only while the library loads, so a program
/// must set it before that — in practice, set it and re-execute itself once.
public enum OpenBLASKernel {
    /// The OPENBLAS_CORETYPE this CPU should use, from the flags in /proc/cpuinfo
    /// (AVX-512 → SkylakeX, AVX2 + FMA → Haswell), or nil when neither applies.
    public static func recommended(cpuFlags: Set<String>? = nil) -> String? {
        let flags = cpuFlags ?? currentFlags()
        if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl") && flags.contains("avx512dq") {
            return "SkylakeX"
        }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    /// The flags of the first processor listed in /proc/cpuinfo.
    public static func currentFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            if let colon = line.firstIndex(of: ":") {
                return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
            }
        }
        return []
    }

    /// The CPU's model name from /proc/cpuinfo, for benchmark reports.
    public static var cpuModel: String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") { return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        return "unknown"
    }

    /// How long (2^n clock cycles) an idle OpenBLAS thread spins before it sleeps, for
    /// training. The library's default, 2^28 cycles (about 0.1 s), keeps a core busy in
    /// sched_yield after every product, which then competes with the engine's own
    /// two-thread loops between the large products of a training step (measured: a quarter
    /// of the dynamics step). Play is the opposite case: many small products back to back,
    /// where waking a sleeping thread for each costs more than the spinning (docs/engine.md).
    public static let trainingThreadTimeout = "4"

    /// Sets what OpenBLAS reads only while it loads, where the user has not:
    /// OPENBLAS_CORETYPE (from the CPU's features) and, when `threadTimeout` is given,
    /// OPENBLAS_THREAD_TIMEOUT. Then replaces this process with a fresh copy of itself (same
    /// arguments) so that OpenBLAS loads with them. Returns normally when nothing needs
    /// doing (or the re-exec failed).
    public static func reexecWithTunedOpenBLASIfNeeded(threadTimeout: String? = nil) {
        let environment = ProcessInfo.processInfo.environment
        guard environment["GENIE_KERNEL_CHOSEN"] == nil else { return }
        var changed = false
        if environment["OPENBLAS_CORETYPE"] == nil, let kernel = recommended() {
            setenv("OPENBLAS_CORETYPE", kernel, 1)
            setenv(chosenMarker, kernel, 1)
            changed = true
        }
        if let threadTimeout, environment["OPENBLAS_THREAD_TIMEOUT"] == nil {
            setenv("OPENBLAS_THREAD_TIMEOUT", threadTimeout, 1)
            changed = true
        }
        guard changed else { return }
        setenv("GENIE_KERNEL_CHOSEN", "1", 1)  // never loop
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // execv only returns on failure: carry on with the settings OpenBLAS already has.
    }

    /// Set to the kernel genie put in OPENBLAS_CORETYPE, to tell it from a user's own setting.
    public static let chosenMarker = "GENIE_CHOSEN_CORETYPE"

    /// OPENBLAS_CORETYPE when the user (or the machine's environment) set it, not genie.
    public static func userKernel(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard let kernel = environment["OPENBLAS_CORETYPE"], !kernel.isEmpty else { return nil }
        return environment[chosenMarker] == kernel ? nil : kernel
    }

    /// OpenBLAS's x86-64 kernels, oldest (slowest) first; kernels on one line are the same
    /// generation (Zen uses Haswell's code).
    static let generations: [[String]] = [
        ["prescott", "atom"], ["core2"], ["penryn"], ["dunnington"], ["nehalem"], ["sandybridge", "bulldozer", "piledriver", "steamroller", "excavator"],
        ["haswell", "zen"], ["skylakex"], ["cooperlake"], ["sapphirerapids"],
    ]

    /// Whether kernel `name` is of an older generation than `other` (nil when either is unknown).
    public static func isOlder(_ name: String, than other: String) -> Bool? {
        func generation(_ n: String) -> Int? { generations.firstIndex { $0.contains(n.lowercased()) } }
        guard let a = generation(name), let b = generation(other) else { return nil }
        return a < b
    }

    /// What play says about the BLAS kernel: the kernel that runs and where it came from, and,
    /// when OPENBLAS_CORETYPE holds back a CPU that supports `recommended`, how much faster
    /// that one is (`measured`: raw sgemm GFLOP/s of the loaded and of the recommended
    /// kernel) and how to change it.
    public static func report(loaded: String, userKernel: String?, recommended: String?,
                              measured: (loaded: Double, recommended: Double)? = nil) -> [String] {
        guard let userKernel else {
            return ["OpenBLAS kernel \(loaded)" + (recommended == nil ? "" : ", chosen for this CPU")]
        }
        var lines = ["OpenBLAS kernel \(loaded), from OPENBLAS_CORETYPE=\(userKernel)"]
        if let recommended, isOlder(loaded, than: recommended) == true {
            var line = "warning: this CPU supports the faster \(recommended) kernel"
            if let measured, measured.loaded > 0 {
                line += String(format: " (raw sgemm here: %.0f GFLOP/s against %.0f, %.1fx)",
                               measured.loaded, measured.recommended, measured.recommended / measured.loaded)
            }
            line += "; unset OPENBLAS_CORETYPE (or set it to \(recommended)) to let genie use it"
            lines.append(line)
        }
        return lines
    }

    /// Raw single-precision GEMM speed of the loaded kernel: `size`³ products for about
    /// `seconds`, best of the runs, in GFLOP/s.
    public static func sgemmGFLOPS(size: Int = 1024, seconds: Double = 0.25) -> Double {
        let a = [Float](repeating: 0.5, count: size * size), b = [Float](repeating: 0.25, count: size * size)
        var c = [Float](repeating: 0, count: size * size)
        var best = Double.infinity, spent = 0.0, runs = 0
        while spent < seconds || runs < 3 {
            let start = DispatchTime.now().uptimeNanoseconds
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        gemm(transposeA: false, transposeB: false, m: size, n: size, k: size,
                             a: pa.baseAddress!, lda: size, b: pb.baseAddress!, ldb: size, c: pc.baseAddress!, ldc: size)
                    }
                }
            }
            let t = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = min(best, t); spent += t; runs += 1
        }
        return 2 * Double(size * size * size) / best / 1e9
    }
}

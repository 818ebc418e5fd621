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
}

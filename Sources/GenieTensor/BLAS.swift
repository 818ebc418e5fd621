import CBLAS
import Foundation

/// Row-major single-precision GEMM through OpenBLAS:
/// C = alpha · op(A) · op(B) + beta · C, with op(X) = X or Xᵀ.
/// Leading dimensions are explicit so callers can address strided sub-matrices (one
/// attention head, one temporal column) without copies.
@inline(__always)
public func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                 alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                 b: UnsafePointer<Float>, ldb: Int,
                 beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Row-major single-precision matrix-vector product through OpenBLAS:
/// y = alpha · op(A) · x + beta · y, with A of m × n and op(A) = A or Aᵀ.
@inline(__always)
public func gemv(transpose: Bool, m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                 x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>) {
    if m == 0 || n == 0 { return }
    cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha,
                a, Int32(lda), x, 1, beta, y, 1)
}

/// Plain triple-loop GEMM with the same contract as `gemm`: the reference the tests and the
/// self-check compare the BLAS kernel against.
public func referenceGemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                          alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                          b: UnsafePointer<Float>, ldb: Int,
                          beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    for i in 0..<m {
        for j in 0..<n {
            var s: Double = 0
            for p in 0..<k {
                let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                s += Double(av) * Double(bv)
            }
            let old = beta == 0 ? 0 : beta * c[i * ldc + j]
            c[i * ldc + j] = alpha * Float(s) + old
        }
    }
}

/// Facts about the BLAS library in use.
public enum BLASInfo {
    /// The kernel OpenBLAS chose at load time (e.g. "Haswell", "SkylakeX", "Prescott").
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }
    public static var threads: Int { Int(openblas_get_num_threads()) }
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }

    /// Whether the user chose the thread count (OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS or
    /// OMP_NUM_THREADS in the environment), which then stands.
    public static var threadsChosenByUser: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"].contains { environment[$0] != nil }
    }

    /// The BLAS threads play should use, given how many of the machine's cores other work
    /// keeps busy: as many as the free cores hold, with half a core to spare, so that the
    /// threads of play's small products do not wait on each other behind the other work (on
    /// 2 cores beside one training: p95 300-390 ms a frame with two threads, 68-103 ms with
    /// one; docs/inference.md); `current` when they fit. A count the user chose stands.
    public static func playThreads(current: Int, load: (busy: Double, cores: Int)?, chosenByUser: Bool) -> Int {
        guard !chosenByUser, let load else { return current }
        let free = Double(load.cores) - load.busy
        return free > Double(current) - 0.5 ? current : max(1, min(current, Int(free.rounded(.down))))
    }
}

/// Splits `0..<count` into at most two halves run on both cores, when the work is large
/// enough to pay for the hand-off. `body` receives a half-open range. `callsBLAS`: the body
/// calls BLAS (see `parallelPartitions`).
@inline(__always)
public func parallelRanges(_ count: Int, work: Int, callsBLAS: Bool = false, _ body: (Range<Int>) -> Void) {
    parallelPartitions(count, work: work, callsBLAS: callsBLAS) { _, range in body(range) }
}

/// How many parts `parallelPartitions` cuts `count` items of `work` total cost into.
@inline(__always)
public func partitionCount(_ count: Int, work: Int) -> Int {
    (work >= Parallelism.minimumWork && count >= 2) ? min(Parallelism.workers, count) : 1
}

/// As `parallelRanges`, and `body` also receives the index of its part
/// (0..<partitionCount(count, work)), so that each part can reduce into its own buffer.
@inline(__always)
public func parallelPartitions(_ count: Int, work: Int, callsBLAS: Bool = false, _ body: (Int, Range<Int>) -> Void) {
    let workers = partitionCount(count, work: work)
    if workers == 1 { body(0, 0..<count); return }
    // The parts already fill the cores: a BLAS call inside one must not start threads of its
    // own, or the two parts' calls queue on OpenBLAS's thread pool and spin (measured: a
    // patch-4 tokenizer's spatial attention backward took 12.6 s per step against 0.6 s).
    // Only bodies that call BLAS pay for the two thread-count changes.
    let blasThreads = callsBLAS ? BLASInfo.threads : 1
    if blasThreads > 1 { BLASInfo.setThreads(1) }
    defer { if blasThreads > 1 { BLASInfo.setThreads(blasThreads) } }
    withoutActuallyEscaping(body) { escapable in
        // The parts touch disjoint ranges; concurrentPerform returns only when all are done.
        nonisolated(unsafe) let work = escapable
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = count * w / workers, hi = count * (w + 1) / workers
            if lo < hi { work(w, lo..<hi) }
        }
    }
}

/// How many threads the engine's own loops use: the cores this process may run on (mpirun
/// binds each rank to its own cores, which `activeProcessorCount` does not see), at most 8.
public enum Parallelism {
    public static let workers: Int = max(1, min(allowedCores ?? ProcessInfo.processInfo.activeProcessorCount, 8))

    /// The least work (about a unit per float operation) worth splitting: the other part's
    /// thread must first wake, and at play take its core back from OpenBLAS's idle thread,
    /// which spins between products. Play's loops over one frame (64 tokens: a LayerNorm is
    /// about 2^17, a GELU 2^19) took 10 % less time a frame kept whole than split from 2^15
    /// on (docs/inference.md); training's loops are larger and still split.
    public static let minimumWork = 1 << 20

    /// The cores of this process's CPU affinity mask (Linux's "Cpus_allowed", a hex mask),
    /// where the system tells.
    static var allowedCores: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return nil }
        let count = line.dropFirst("Cpus_allowed:".count).reduce(0) { $0 + (Int(String($1), radix: 16)?.nonzeroBitCount ?? 0) }
        return count > 0 ? count : nil
    }
}

/// Checks the loaded BLAS kernel against `referenceGemm` on awkward shapes, transposes and
/// strides. Returns the largest relative error seen (float32 rounding gives about 1e-6).
public func verifyGemmAgainstReference(seed: UInt64 = 11) -> Float {
    var g = RandomGenerator(seed: seed)
    var worst: Float = 0
    for (m, n, k) in [(1, 1, 1), (3, 17, 5), (64, 64, 32), (67, 129, 65), (256, 96, 300)] {
        for ta in [false, true] {
            for tb in [false, true] {
                let lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 3, ldc = n + 2
                let a = (0..<((ta ? k : m) * lda)).map { _ in g.nextNormal() }
                let b = (0..<((tb ? n : k) * ldb)).map { _ in g.nextNormal() }
                let c0 = (0..<(m * ldc)).map { _ in g.nextNormal() }
                var fast = c0, slow = c0
                gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.9, a: a, lda: lda, b: b, ldb: ldb, beta: 0.3, c: &fast, ldc: ldc)
                referenceGemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.9, a: a, lda: lda, b: b, ldb: ldb, beta: 0.3, c: &slow, ldc: ldc)
                for i in 0..<fast.count {
                    let scale = max(1, Float(k).squareRoot())
                    worst = max(worst, abs(fast[i] - slow[i]) / scale)
                }
            }
        }
    }
    return worst
}

import GenieTensor

/// A VQ-VAE bottleneck: a learned codebook, nearest-code lookup with a straight-through
/// gradient, and restarts of codes that no input has chosen for a while (dead codes would
/// otherwise waste capacity: the tokenizer's 1024 codes and, worse, the LAM's 8 actions).
public final class VectorQuantizer: Module {
    public let codebook: Tensor
    public let commitment: Float
    /// Training steps since each code was last chosen.
    public private(set) var idleSteps: [Int]
    /// A code idle for more than this many steps is moved onto a recent encoder output.
    public var restartAfter: Int

    /// Cosine quantisation: inputs and codes are scaled to unit length before the lookup, so
    /// the nearest code is the one at the smallest angle (ViT-VQGAN's remedy for codes that
    /// go unused because their norms drift away from the encoder's outputs).
    public let normalized: Bool

    public init(codes: Int, dimension: Int, commitment: Float = 0.25, restartAfter: Int = 100, normalized: Bool = false,
                generator: inout RandomGenerator) {
        codebook = initialWeight([codes, dimension], std: 1 / Float(dimension).squareRoot(), &generator)
        self.commitment = commitment
        self.normalized = normalized
        self.restartAfter = restartAfter
        idleSteps = [Int](repeating: 0, count: codes)
    }

    public var codes: Int { codebook.shape[0] }
    public var dimension: Int { codebook.shape[1] }

    /// Quantises rows of `z`. With `normalized`, `z` is first scaled to unit length (the
    /// caller's encoder output stays unnormalised; restarts use the normalised rows).
    public func callAsFunction(_ z: Tensor) -> Quantized {
        normalized ? vectorQuantize(l2Normalize(z), codebook: l2Normalize(codebook), commitment: commitment)
                   : vectorQuantize(z, codebook: codebook, commitment: commitment)
    }

    /// The code vectors for given indices (decoding from stored tokens).
    public func vectors(_ indices: [Int32], shape: [Int]) -> Tensor {
        embedding(indices, shape: shape, table: normalized ? withoutGradient { l2Normalize(codebook) } : codebook)
    }

    /// Updates usage after a training step and moves dead codes onto randomly chosen rows
    /// of `z` (the encoder outputs of this step). Returns how many codes were restarted.
    @discardableResult
    public func updateUsageAndRestart(_ z: Tensor, indices: [Int32], generator: inout RandomGenerator) -> Int {
        var used = [Bool](repeating: false, count: codes)
        for i in indices { used[Int(i)] = true }
        var restarted = 0
        let rows = z.count / dimension
        for k in 0..<codes {
            idleSteps[k] = used[k] ? 0 : idleSteps[k] + 1
            if idleSteps[k] > restartAfter && rows > 0 {
                let r = generator.nextInt(rows)
                for j in 0..<dimension {
                    codebook.data[k * dimension + j] = z.data[r * dimension + j] + 0.01 * generator.nextNormal()
                }
                idleSteps[k] = 0
                restarted += 1
            }
        }
        return restarted
    }

    /// Moves every code onto a centre of `rows` [N, dimension] found by k-means (k-means++
    /// seeding, then `iterations` rounds; on unit-length rows when `normalized`). A VQ
    /// bottleneck with few codes tends to let one code serve two clusters that the encoder
    /// already tells apart (the LAM's "left" and "right"): the commitment loss then pulls
    /// them together, and no code is idle long enough to be restarted. Clustering the
    /// encoder's outputs gives each cluster its own code.
    public func placeCodes(onClustersOf rows: Tensor, iterations: Int = 20, generator: inout RandomGenerator) {
        let points = normalized ? withoutGradient { l2Normalize(rows) } : rows
        let n = points.count / dimension, k = codes, d = dimension
        guard n >= k else { return }
        func distance(_ i: Int, _ centre: ArraySlice<Float>) -> Float {
            var s: Float = 0
            for (j, c) in centre.enumerated() { let e = points.data[i * d + j] - c; s += e * e }
            return s
        }
        func row(_ i: Int) -> ArraySlice<Float> { ArraySlice((0..<d).map { points.data[i * d + $0] }) }
        // Centres, one row of d values each, grown by k-means++ seeding.
        var centres = Array(row(generator.nextInt(n)))
        var nearest = (0..<n).map { distance($0, centres[0..<d]) }
        while centres.count < k * d {
            let total = nearest.reduce(0, +)
            var pick = generator.nextFloat() * total, chosen = n - 1
            for i in 0..<n { pick -= nearest[i]; if pick <= 0 { chosen = i; break } }
            let newest = row(chosen)
            centres += newest
            for i in 0..<n { nearest[i] = min(nearest[i], distance(i, newest)) }
        }
        for _ in 0..<iterations {
            let assigned = nearestCodes(points.data, rows: n, codebook: centres, codes: k, dimension: d).indices
            var sums = [Float](repeating: 0, count: k * d), counts = [Int](repeating: 0, count: k)
            for i in 0..<n {
                let c = Int(assigned[i])
                counts[c] += 1
                for j in 0..<d { sums[c * d + j] += points.data[i * d + j] }
            }
            for c in 0..<k where counts[c] > 0 { for j in 0..<d { centres[c * d + j] = sums[c * d + j] / Float(counts[c]) } }
        }
        for c in 0..<k {
            var centre = centres[(c * d)..<((c + 1) * d)]
            if normalized {
                let norm = centre.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 0 { centre = ArraySlice(centre.map { $0 / norm }) }
            }
            for (j, v) in centre.enumerated() { codebook.data[c * d + j] = v }
        }
        idleSteps = [Int](repeating: 0, count: codes)
    }

    /// Fills the codebook with copies of a trained codebook whose size divides this one's,
    /// each copy but the first moved by a small random step (splitting, as in the LBG
    /// algorithm): the quantiser starts where the trained one stood, and training pulls the
    /// copies of a code apart onto parts of the inputs that code served alone.
    public func split(_ trained: Tensor, generator: inout RandomGenerator) {
        let parents = trained.shape[0], d = dimension
        precondition(trained.shape == [parents, d] && codes % parents == 0)
        let rms = (trained.array.reduce(0) { $0 + $1 * $1 } / Float(trained.count)).squareRoot()
        for k in 0..<codes {
            let parent = k % parents
            for j in 0..<d {
                codebook.data[k * d + j] = trained.data[parent * d + j] + (k < parents ? 0 : 0.01 * rms * generator.nextNormal())
            }
        }
        idleSteps = [Int](repeating: 0, count: codes)
    }

    /// Restores the usage counters saved with a training state.
    public func restoreIdleSteps(_ steps: [Int]) {
        precondition(steps.count == codes)
        idleSteps = steps
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] { [("codebook", codebook)] }
}

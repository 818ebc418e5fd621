import Foundation
import GenieMedia
import GenieModels
import GenieWorld
import GenieTensor

/// PSNR in dB between two frames of 8-bit RGB.
public func psnr(_ a: Frame, _ b: Frame) -> Double { psnr(a, b, in: PixelBox(x: 0, y: 0, width: a.width, height: a.height)) }

/// PSNR in dB between the pixels of two frames inside `box`.
public func psnr(_ a: Frame, _ b: Frame, in box: PixelBox) -> Double {
    precondition(a.width == b.width && a.height == b.height)
    var s: Double = 0
    for y in box.y..<(box.y + box.height) {
        for x in box.x..<(box.x + box.width) {
            for k in 0..<3 {
                let i = 3 * (y * a.width + x) + k
                let d = Double(a.pixels[i]) - Double(b.pixels[i])
                s += d * d
            }
        }
    }
    let mse = s / Double(3 * box.width * box.height) / (255 * 255)
    return 10 * log10(1 / max(mse, 1e-10))
}

/// How a quantiser spreads its codes over a sample: how many codes it used, and the
/// perplexity of their histogram (exp of its entropy): the number of codes it would take,
/// used evenly, to carry the same information; equal to `used` only when use is even.
public struct CodeUsage: Equatable {
    public let used: Int
    public let perplexity: Double

    public init<S: Sequence>(codes: S, codeCount: Int) where S.Element: BinaryInteger {
        var counts = [Int](repeating: 0, count: codeCount)
        for c in codes { counts[Int(c)] += 1 }
        self.init(counts: counts)
    }

    public init(counts: [Int]) {
        let total = Double(counts.reduce(0, +))
        used = counts.filter { $0 > 0 }.count
        let entropy = counts.filter { $0 > 0 }.map { Double($0) / total }.reduce(0.0) { $0 - $1 * log($1) }
        perplexity = exp(entropy)
    }
}

/// Mean SSIM (Wang et al. 2004) over 8×8 windows with stride 4, on luma.
public func ssim(_ a: Frame, _ b: Frame) -> Double {
    func luma(_ f: Frame) -> [Double] {
        (0..<(f.width * f.height)).map { (i: Int) -> Double in
            let r = Double(f.pixels[3 * i]), g = Double(f.pixels[3 * i + 1]), b = Double(f.pixels[3 * i + 2])
            return (0.299 * r + 0.587 * g + 0.114 * b) / 255
        }
    }
    let x = luma(a), y = luma(b), w = a.width, h = a.height
    let c1 = 0.01 * 0.01, c2 = 0.03 * 0.03
    var total = 0.0, windows = 0
    for y0 in stride(from: 0, through: h - 8, by: 4) {
        for x0 in stride(from: 0, through: w - 8, by: 4) {
            var mx = 0.0, my = 0.0
            for dy in 0..<8 { for dx in 0..<8 { mx += x[(y0 + dy) * w + x0 + dx]; my += y[(y0 + dy) * w + x0 + dx] } }
            mx /= 64; my /= 64
            var vx = 0.0, vy = 0.0, cov = 0.0
            for dy in 0..<8 {
                for dx in 0..<8 {
                    let p = x[(y0 + dy) * w + x0 + dx] - mx, q = y[(y0 + dy) * w + x0 + dx] - my
                    vx += p * p; vy += q * q; cov += p * q
                }
            }
            vx /= 63; vy /= 63; cov /= 63
            total += ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
            windows += 1
        }
    }
    return total / Double(max(windows, 1))
}

/// How well discrete codes agree with known labels.
public struct Agreement: Equatable {
    /// Accuracy of the best code → label map (each code mapped to its most frequent label).
    public let accuracy: Double
    /// Normalised mutual information, I(C; L) / sqrt(H(C)·H(L)), in [0, 1].
    public let normalizedMutualInformation: Double
    /// For each code, the label it maps to (−1 for unused codes).
    public let mapping: [Int]
    public let codesUsed: Int
    /// The counts it is read from. Rows: codes; columns: labels. Where the codes and the
    /// labels part ways.
    public let confusion: [[Int]]
}

public func agreement(codes: [Int], labels: [Int], codeCount: Int, labelCount: Int) -> Agreement {
    precondition(codes.count == labels.count)
    var table = [[Int]](repeating: [Int](repeating: 0, count: labelCount), count: codeCount)
    for (c, l) in zip(codes, labels) { table[c][l] += 1 }
    let n = Double(codes.count)
    var correct = 0
    var mapping = [Int](repeating: -1, count: codeCount)
    for c in 0..<codeCount {
        if let best = table[c].indices.max(by: { table[c][$0] < table[c][$1] }), table[c][best] > 0 {
            mapping[c] = best
            correct += table[c][best]
        }
    }
    let codeTotals = table.map { Double($0.reduce(0, +)) }
    let labelTotals = (0..<labelCount).map { l in Double(table.reduce(0) { $0 + $1[l] }) }
    var mutual = 0.0
    for c in 0..<codeCount {
        for l in 0..<labelCount where table[c][l] > 0 {
            let p = Double(table[c][l]) / n
            mutual += p * log(p / (codeTotals[c] / n * labelTotals[l] / n))
        }
    }
    func entropy(_ totals: [Double]) -> Double { totals.filter { $0 > 0 }.reduce(0) { $0 - $1 / n * log($1 / n) } }
    let hc = entropy(codeTotals), hl = entropy(labelTotals)
    let nmi = hc > 0 && hl > 0 ? mutual / (hc * hl).squareRoot() : 0
    return Agreement(accuracy: n > 0 ? Double(correct) / n : 0, normalizedMutualInformation: nmi, mapping: mapping,
                     codesUsed: codeTotals.filter { $0 > 0 }.count, confusion: table)
}

/// Evaluations on held-out episodes. Each takes the clips it is given, so figures are
/// reproducible from the data and a seed.
public enum Evaluation {
    /// Evenly spaced clips of `length` frames, up to `count` of them.
    public static func clips(_ dataset: VideoDataset, length: Int, count: Int) -> [(episode: Int, start: Int)] {
        var all: [(Int, Int)] = []
        for (e, episode) in dataset.episodes.enumerated() where episode.frames.count >= length {
            for s in stride(from: 0, through: episode.frames.count - length, by: length) { all.append((e, s)) }
        }
        guard all.count > count else { return all }
        return (0..<count).map { all[$0 * all.count / count] }
    }

    /// Tokenizer reconstruction: mean PSNR and SSIM over every frame of the clips, and how the
    /// codebook is used on them (a codebook used thinly caps the reconstruction).
    public static func tokenizer(_ model: VideoTokenizer, dataset: VideoDataset, clips: [(episode: Int, start: Int)], length: Int)
        -> (psnr: Double, ssim: Double, codes: CodeUsage) {
        var p = 0.0, s = 0.0, n = 0
        var counts = [Int](repeating: 0, count: model.config.codebookSize)
        for clip in clips {
            let frames = ClipSampler.frames(dataset, clips: [clip], length: length)
            let codes = model.encode(frames)
            for c in codes { counts[Int(c)] += 1 }
            let out = model.decode(codes: codes, batch: 1, frames: length)
            for t in 0..<length {
                let real = frames.frame(batch: 0, time: t), fake = out.frame(batch: 0, time: t)
                p += psnr(real, fake); s += ssim(real, fake); n += 1
            }
        }
        return (p / Double(max(n, 1)), s / Double(max(n, 1)), CodeUsage(counts: counts))
    }

    /// One transition t → t+1 of a held-out clip, as the LAM saw it.
    public struct LatentActionTransition {
        public var episode: Int
        /// Index of frame t in its episode.
        public var frame: Int
        public var code: Int
        /// The true action and its equivalence class, where the episode has actions.csv
        /// (footage without the simulator's classes: the class is the action itself).
        public var action: Int?
        public var actionClass: Int?
        /// Pixel values that differ between frames t and t+1 (what the LAM's loss weighs).
        public var changedValues: Int
        /// The encoder's continuous latent before quantisation.
        public var latent: [Float]
    }

    /// Every transition of the clips through the LAM.
    public static func latentActionTransitions(_ model: LatentActionModel, dataset: VideoDataset, clips: [(episode: Int, start: Int)],
                                               length: Int, progress: ((_ done: Int, _ total: Int) -> Void)? = nil) -> [LatentActionTransition] {
        var transitions: [LatentActionTransition] = []
        let d = model.config.latentDimension
        for (done, clip) in clips.enumerated() {
            defer { progress?(done + 1, clips.count) }
            let frames = ClipSampler.frames(dataset, clips: [clip], length: length)
            let (latents, codes) = withoutGradient {
                let z = model.encodeContinuous(frames)
                return (z, model.quantizer(z).indices)
            }
            let changed = LatentActionModel.changedPixelValues(frames)
            let episode = dataset.episodes[clip.episode]
            for t in 0..<(length - 1) {
                let frame = clip.start + t, action = episode.actions?[frame]
                transitions.append(LatentActionTransition(
                    episode: clip.episode, frame: frame, code: Int(codes[t]), action: action,
                    actionClass: action.map { episode.actionClasses?[frame] ?? $0 }, changedValues: changed[t],
                    latent: Array(UnsafeBufferPointer(start: latents.data + t * d, count: d))))
            }
        }
        return transitions
    }

    /// The LAM's codes for every transition of the clips, beside the true actions and
    /// their equivalence classes (of the episodes that have actions.csv).
    public static func latentActions(_ model: LatentActionModel, dataset: VideoDataset, clips: [(episode: Int, start: Int)], length: Int,
                                     progress: ((_ done: Int, _ total: Int) -> Void)? = nil) -> (codes: [Int], actions: [Int], classes: [Int]) {
        let transitions = latentActionTransitions(model, dataset: dataset, clips: clips, length: length, progress: progress)
        return (transitions.map(\.code), transitions.compactMap(\.action), transitions.compactMap(\.actionClass))
    }

    /// Figures of a latent action model on held-out clips: how it uses its codes and, where
    /// the episodes have actions.csv, how well the codes name the true actions.
    public struct LatentActionFigures {
        public var codesUsed = 0
        /// Transitions per code.
        public var histogram: [Int] = []
        /// Against the true actions where the action showed (its class is itself): an action
        /// that changed nothing visible (jump in mid-air looks like noop) cannot be told from
        /// the one it looks like, by a LAM or by a person watching. As `genie keymap` counts.
        public var agreement: Agreement?
        public var visibleTransitions = 0
        /// Against every true action, and against the actions' classes (an invisible action
        /// counts as the one it looks like, so what stands off the diagonal of the latter's
        /// confusion table is the LAM's to answer for).
        public var agreementAll: Agreement?
        public var agreementClasses: Agreement?
    }

    public static func latentActionFigures(_ transitions: [LatentActionTransition], codeCount: Int) -> LatentActionFigures {
        let codes = transitions.map(\.code), actions = transitions.compactMap(\.action), classes = transitions.compactMap(\.actionClass)
        var figures = LatentActionFigures()
        figures.histogram = [Int](repeating: 0, count: codeCount)
        for c in codes { figures.histogram[c] += 1 }
        figures.codesUsed = figures.histogram.filter { $0 > 0 }.count
        guard actions.count == codes.count, let top = actions.max(), let topClass = classes.max() else { return figures }
        figures.agreementAll = agreement(codes: codes, labels: actions, codeCount: codeCount, labelCount: top + 1)
        let visible = codes.indices.filter { actions[$0] == classes[$0] }
        figures.visibleTransitions = visible.count
        figures.agreement = agreement(codes: visible.map { codes[$0] }, labels: visible.map { actions[$0] }, codeCount: codeCount, labelCount: top + 1)
        figures.agreementClasses = agreement(codes: codes, labels: classes, codeCount: codeCount, labelCount: topClass + 1)
        return figures
    }

    /// Figures of the dynamics model on held-out clips.
    public struct DynamicsFigures {
        public var maskedAccuracy = 0.0
        public var nextFramePSNR = 0.0
        public var psnrInferred = 0.0
        public var psnrRandom = 0.0
        public var deltaPSNR: Double { psnrInferred - psnrRandom }
    }

    /// Teacher-forced masked-token accuracy (mask rate 0.75), next-frame PSNR with
    /// LAM-inferred actions, and the paper's ΔtPSNR at t = `horizon`: PSNR(x_t, x̂_t) with
    /// x̂ generated from x₀ under the inferred latent actions, minus the same under random ones.
    public static func dynamics(_ model: DynamicsModel, tokenizer: VideoTokenizer, lam: LatentActionModel, dataset: VideoDataset,
                                clips: [(episode: Int, start: Int)], horizon: Int, settings: MaskGITSettings, seed: UInt64,
                                progress: ((_ done: Int) -> Void)? = nil) -> DynamicsFigures {
        var g = RandomGenerator(seed: seed)
        var figures = DynamicsFigures()
        let s = model.config.tokensPerFrame
        var correct = 0, counted = 0
        for (done, clip) in clips.enumerated() {
            progress?(done)
            let length = horizon + 1
            let frames = ClipSampler.frames(dataset, clips: [clip], length: length)
            let tokens = tokenizer.encode(frames)
            let inferred = lam.inferActions(frames)
            // Teacher-forced accuracy on frames 1… with 75 % of tokens masked.
            var mask = [Bool](repeating: false, count: tokens.count)
            for i in s..<tokens.count { mask[i] = g.nextFloat() < 0.75 }
            let input = zip(tokens, mask).map { $1 ? model.maskToken : $0 }
            let logits = withoutGradient { model.logits(tokens: input, actions: inferred, batch: 1, frames: length) }
            let hits = model.maskedHits(logits: logits, targets: tokens, mask: mask)
            correct += hits.correct; counted += hits.counted
            // Next frame from the real frame 0 and the inferred action 0.
            let next = generateNextFrame(model: model, context: Array(tokens[0..<s]), actions: [inferred[0]], settings: settings, generator: &g)
            figures.nextFramePSNR += psnr(frames.frame(batch: 0, time: 1), tokenizer.decode(codes: Array(tokens[0..<s]) + next, batch: 1, frames: 2).frame(batch: 0, time: 1))
            // Rollouts of `horizon` frames from frame 0.
            let random = (0..<horizon).map { _ in Int32(g.nextInt(model.config.actions)) }
            for (actions, isInferred) in [(inferred, true), (random, false)] {
                var context = Array(tokens[0..<s])
                for t in 0..<horizon {
                    context += generateNextFrame(model: model, context: context, actions: Array(actions[0...t]),
                                                 settings: settings, generator: &g)
                }
                let decoded = tokenizer.decode(codes: context, batch: 1, frames: length)
                let value = psnr(frames.frame(batch: 0, time: horizon), decoded.frame(batch: 0, time: horizon))
                if isInferred { figures.psnrInferred += value } else { figures.psnrRandom += value }
            }
        }
        let n = Double(max(clips.count, 1))
        figures.maskedAccuracy = Double(correct) / Double(max(counted, 1))
        figures.nextFramePSNR /= n; figures.psnrInferred /= n; figures.psnrRandom /= n
        return figures
    }
}

extension Evaluation {
    /// PSNR of learned-world rollouts against the simulator's own frames, per horizon.
    public struct RolloutFigures {
        /// Horizon t → mean PSNR(x_t, x̂_t) when the world is given the true actions through the key map.
        public var mapped: [Int: Double] { psnr["mapped"] ?? [:] }
        /// The same when the world is given uniformly random latent actions.
        public var random: [Int: Double] { psnr["random"] ?? [:] }
        /// Horizon t → mean PSNR for each way of choosing the latents (`RolloutActions`).
        public var psnr: [String: [Int: Double]] = [:]
        public var clips = 0
    }

    /// The latents a rollout plays besides the true actions through the key map and random ones.
    public enum RolloutActions {
        /// What each press did in the simulator's state (the episode's class column: a jump
        /// pressed in the air is no jump) through the key map: what a key map that knew
        /// whether the player can jump would play.
        case effective
        /// The LAM's latents read from the recorded frames: what no key map can beat.
        case inferred(LatentActionModel, window: Int)

        var name: String {
            switch self {
            case .effective: return "effective"
            case .inferred: return "inferred"
            }
        }
    }

    /// What the paper could not measure: from the first frame of each held-out clip, the
    /// learned world plays the clip's true actions (each named by `Control.all`, turned into
    /// a latent by the key map; an unmapped control plays the noop latent) and its frames are
    /// compared with the recorded frames of the simulator under the same actions. Beside it,
    /// the same rollout with random latents: the gap is what the actions control; and, when
    /// asked, with the latents of `also`: how much of the rest the key map loses.
    ///
    /// `makeWorld(prompt, seed)` builds the world for a clip's first frame; all rollouts of
    /// a clip use the same world seed, so they differ only in their actions.
    public static func rollouts(dataset: VideoDataset, clips: [(episode: Int, start: Int)], horizons: [Int], seed: UInt64,
                                also: [RolloutActions] = [],
                                makeWorld: (_ prompt: Frame, _ seed: UInt64) throws -> WorldModel) throws -> RolloutFigures {
        let longest = horizons.max() ?? 1
        var g = RandomGenerator(seed: seed)
        var figures = RolloutFigures()
        let names = ["mapped", "random"] + also.map(\.name)
        for name in names { figures.psnr[name] = Dictionary(uniqueKeysWithValues: horizons.map { ($0, 0) }) }
        for (index, clip) in clips.enumerated() {
            let episode = dataset.episodes[clip.episode]
            guard let trueActions = episode.actions else { continue }
            let frames = ClipSampler.frames(dataset, clips: [clip], length: longest + 1)
            let worldSeed = seed &+ UInt64(index)
            let world = try makeWorld(episode.frames[clip.start], worldSeed)
            // Controls become latents as they are played: which latent a control plays can
            // depend on the steps before it (a jump pressed in the air).
            enum Played { case controls([Int]), latents([Int]) }
            func latent(_ played: Played, _ t: Int) -> Int {
                switch played {
                case .latents(let latents): return latents[t]
                case .controls(let controls):
                    let a = controls[clip.start + t]
                    return Control.all.indices.contains(a) ? (world.action(forControl: Control.all[a]) ?? world.promptAction) : world.promptAction
                }
            }
            var played = [Played.controls(trueActions), .latents((0..<longest).map { _ in g.nextInt(world.actionCount) })]
            for kind in also {
                switch kind {
                case .effective: played.append(.controls(episode.actionClasses ?? trueActions))
                case .inferred(let lam, let window): played.append(.latents(lam.inferActions(frames, window: window).map(Int.init)))
                }
            }
            for (name, actions) in zip(names, played) {
                _ = try world.reset(seed: worldSeed)
                for t in 1...longest {
                    let frame = try world.step(latent(actions, t - 1))
                    guard horizons.contains(t) else { continue }
                    figures.psnr[name]![t]! += psnr(frames.frame(batch: 0, time: t), frame)
                }
            }
            figures.clips += 1
        }
        let n = Double(max(figures.clips, 1))
        for name in names { for h in horizons { figures.psnr[name]![h]! /= n } }
        return figures
    }

    /// How long a prompt persists: the world is prompted with each frame and held at noop
    /// for `steps` frames; element t−1 is the mean PSNR of frame t against the prompt's own
    /// reconstruction (the world's frame 0), so tokenizer loss does not count as drift.
    public static func promptPersistence(prompts: [Frame], steps: Int, seed: UInt64,
                                         makeWorld: (_ prompt: Frame, _ seed: UInt64) throws -> WorldModel) throws -> [Double] {
        var sums = [Double](repeating: 0, count: steps)
        for (index, prompt) in prompts.enumerated() {
            let worldSeed = seed &+ UInt64(index)
            let world = try makeWorld(prompt, worldSeed)
            let reconstruction = try world.reset(seed: worldSeed)
            for t in 0..<steps { sums[t] += psnr(reconstruction, try world.step(world.promptAction)) }
        }
        return sums.map { $0 / Double(max(prompts.count, 1)) }
    }
}

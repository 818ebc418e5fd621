import XCTest
@testable import GenieMedia
@testable import GenieModels
import GenieWorld
@testable import GenieTensor
@testable import GenieTraining

final class MetricsTests: XCTestCase {
    func testPSNRAndSSIM() {
        let a = Frame(width: 16, height: 16, fill: RGB(100, 100, 100))
        var b = a
        b[0, 0] = RGB(110, 100, 100)  // one channel off by 10 in 768 values
        let mse = 100.0 / 768 / (255 * 255)
        XCTAssertEqual(psnr(a, b), 10 * log10(1 / mse), accuracy: 1e-9)
        XCTAssertEqual(ssim(a, a), 1, accuracy: 1e-12)
        var noisy = a
        for y in 0..<16 { for x in 0..<16 where (x + y) % 2 == 0 { noisy[x, y] = RGB(200, 200, 200) } }
        XCTAssertLessThan(ssim(a, noisy), 0.5)
    }

    func testAgreementAndMutualInformation() {
        // Codes that rename the labels perfectly: accuracy 1, NMI 1.
        let labels = [0, 1, 2, 0, 1, 2, 2]
        let perfect = agreement(codes: labels.map { (2 - $0) + 3 }, labels: labels, codeCount: 6, labelCount: 3)
        XCTAssertEqual(perfect.accuracy, 1)
        XCTAssertEqual(perfect.normalizedMutualInformation, 1, accuracy: 1e-12)
        XCTAssertEqual(perfect.mapping, [-1, -1, -1, 2, 1, 0])
        XCTAssertEqual(perfect.codesUsed, 3)
        // One code for everything: accuracy = share of the commonest label, NMI 0.
        let collapsed = agreement(codes: [Int](repeating: 0, count: 7), labels: labels, codeCount: 8, labelCount: 3)
        XCTAssertEqual(collapsed.accuracy, 3.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(collapsed.normalizedMutualInformation, 0)
        XCTAssertEqual(collapsed.codesUsed, 1)
        // Half right: two codes each split evenly over two labels.
        let half = agreement(codes: [0, 0, 1, 1], labels: [0, 1, 0, 1], codeCount: 2, labelCount: 2)
        XCTAssertEqual(half.accuracy, 0.5)
        XCTAssertEqual(half.normalizedMutualInformation, 0, accuracy: 1e-12)
    }

    func testCodeUsage() {
        // Two codes of four, used evenly: perplexity 2.
        let even = CodeUsage(codes: [Int32(1), 3, 1, 3], codeCount: 4)
        XCTAssertEqual(even, CodeUsage(counts: [0, 2, 0, 2]))
        XCTAssertEqual(even.used, 2)
        XCTAssertEqual(even.perplexity, 2, accuracy: 1e-12)
        // 3 : 1 is worth fewer than two even codes: exp(−(¾ ln ¾ + ¼ ln ¼)) = 1.7548…
        let uneven = CodeUsage(counts: [3, 1, 0])
        XCTAssertEqual(uneven.used, 2)
        XCTAssertEqual(uneven.perplexity, 1.754765, accuracy: 1e-6)
        XCTAssertEqual(CodeUsage(counts: [0, 5]).perplexity, 1, accuracy: 1e-12)
    }

    /// The tokenizer's figures count the codes of every frame of every clip once.
    func testTokenizerFiguresCountEveryClipsCodes() throws {
        let root = NSTemporaryDirectory() + "genie-tokfig-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeDataset(root, episodes: 2, frames: 8)
        let dataset = try VideoDataset(root: root)
        let tokenizer = VideoTokenizer(tinyTokenizerConfig, seed: 4)
        let clips = Evaluation.clips(dataset, length: 4, count: 3)
        XCTAssertEqual(clips.count, 3)
        let figures = withoutGradient { Evaluation.tokenizer(tokenizer, dataset: dataset, clips: clips, length: 4) }
        var counts = [Int](repeating: 0, count: 16)
        for clip in clips {
            for c in withoutGradient({ tokenizer.encode(ClipSampler.frames(dataset, clips: [clip], length: 4)) }) { counts[Int(c)] += 1 }
        }
        XCTAssertEqual(counts.reduce(0, +), 3 * 4 * 4, "3 clips of 4 frames of 4 tokens")
        XCTAssertEqual(figures.codes, CodeUsage(counts: counts))
        XCTAssertGreaterThan(figures.codes.used, 1)
    }

    /// The rollout comparison plays the clip's true actions through the key map: it must
    /// equal a world stepped by hand with the mapped latents (this data's actions alternate
    /// noop, left: latents 1, 2).
    func testRolloutsPlayTheTrueActionsThroughTheKeyMap() throws {
        let root = NSTemporaryDirectory() + "genie-rollout-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeDataset(root, episodes: 1, frames: 18)
        let dataset = try VideoDataset(root: root)
        let t = tinyTokenizerConfig
        var d = DynamicsConfig()
        d.tokensPerFrame = 4; d.codebookSize = 16; d.actions = 4; d.transformer = t.encoder
        let tokenizer = VideoTokenizer(t, seed: 1), dynamics = DynamicsModel(d, seed: 2)
        for (name, p) in dynamics.namedParameters() where !name.hasSuffix("gain") {
            var g = RandomGenerator(seed: 3)
            for i in 0..<p.count { p.data[i] = 0.3 * g.nextNormal() }  // sharp logits, so actions matter
        }
        var keyMap = LatentKeyMap(latentActions: 4, controls: Dictionary(uniqueKeysWithValues: Control.all.map { ($0, 3) }))
        keyMap.controls[Control.noop] = 1
        keyMap.controls[Control.left] = 2
        func world(_ prompt: Frame, _ seed: UInt64) throws -> WorldModel {
            try WorldModel(tokenizer: tokenizer, dynamics: dynamics, keyMap: keyMap, prompt: .fixed([prompt]), weightHashes: [:], seed: seed)
        }
        let figures = try Evaluation.rollouts(dataset: dataset, clips: [(0, 0)], horizons: [1, 4, 16], seed: 5, makeWorld: world)
        XCTAssertEqual(figures.clips, 1)

        let frames = ClipSampler.frames(dataset, clips: [(0, 0)], length: 17)
        let byHand = try world(frames.frame(batch: 0, time: 0), 5)
        _ = try byHand.reset(seed: 5)
        var expected: [Int: Double] = [:]
        for step in 1...16 {
            let frame = try byHand.step(step % 2 == 1 ? 1 : 2)
            if [1, 4, 16].contains(step) { expected[step] = psnr(frames.frame(batch: 0, time: step), frame) }
        }
        for h in [1, 4, 16] { XCTAssertEqual(figures.mapped[h]!, expected[h]!, accuracy: 1e-9, "t = \(h)") }
        // The random rollout: 16 latents drawn from the evaluation's seed, played from the same start.
        var g = RandomGenerator(seed: 5)
        let randomActions = (0..<16).map { _ in g.nextInt(4) }
        _ = try byHand.reset(seed: 5)
        var expectedRandom: [Int: Double] = [:]
        for step in 1...16 {
            let frame = try byHand.step(randomActions[step - 1])
            if [1, 4, 16].contains(step) { expectedRandom[step] = psnr(frames.frame(batch: 0, time: step), frame) }
        }
        XCTAssertEqual(Set(figures.random.keys), [1, 4, 16])
        for h in [1, 4, 16] { XCTAssertEqual(figures.random[h]!, expectedRandom[h]!, accuracy: 1e-9, "random, t = \(h)") }

        // Beside them: each press's effect (the class column, here always noop: latent 1) and
        // the LAM's latents read from the recorded frames in windows of 3 that share their edges.
        var csv = "t,action,class\n"
        for t in 0..<17 { csv += "\(t),\(t % 2),0\n" }
        try csv.write(toFile: root + "/episode_00000/actions.csv", atomically: true, encoding: .utf8)
        let classed = try VideoDataset(root: root)
        var l = LatentActionConfig()
        l.frameHeight = 8; l.frameWidth = 8; l.patch = 4; l.actions = 4; l.latentDimension = 4
        l.encoder = t.encoder; l.decoder = t.encoder
        let lam = LatentActionModel(l, seed: 4)
        var noise = RandomGenerator(seed: 6)
        for (name, p) in lam.namedParameters() where !name.hasSuffix("gain") {
            for i in 0..<p.count { p.data[i] = 0.5 * noise.nextNormal() }
        }
        let more = try Evaluation.rollouts(dataset: classed, clips: [(0, 0)], horizons: [1, 4, 16], seed: 5,
                                           also: [.effective, .inferred(lam, window: 3)], makeWorld: world)
        XCTAssertEqual(more.mapped, figures.mapped)
        XCTAssertEqual(more.random, figures.random)
        var inferred: [Int] = []
        for start in stride(from: 0, to: 16, by: 2) {
            inferred += withoutGradient { lam.inferActions(ClipSampler.frames(classed, clips: [(0, start)], length: 3)) }.map(Int.init)
        }
        XCTAssertEqual(inferred.count, 16)
        XCTAssertGreaterThan(Set(inferred).count, 1, "a LAM whose latents differ, so the test can tell them apart")
        for (name, latents) in [("effective", [Int](repeating: 1, count: 16)), ("inferred", inferred)] {
            _ = try byHand.reset(seed: 5)
            for step in 1...16 {
                let frame = try byHand.step(latents[step - 1])
                if [1, 4, 16].contains(step) {
                    XCTAssertEqual(more.psnr[name]![step]!, psnr(frames.frame(batch: 0, time: step), frame), accuracy: 1e-9, "\(name), t = \(step)")
                }
            }
        }
    }
}

/// A tokenizer small enough for the tests' 8x8 frames: 4 tokens of 16 codes a frame.
private let tinyTokenizerConfig: TokenizerConfig = {
    var t = TokenizerConfig()
    t.frameHeight = 8; t.frameWidth = 8; t.patch = 4; t.codebookSize = 16; t.codeDimension = 4
    t.encoder = TransformerConfig(width: 16, depth: 1, heads: 2, feedForwardMultiple: 2); t.decoder = t.encoder
    return t
}()

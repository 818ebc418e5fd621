import Foundation
import XCTest
@testable import GenieModels
@testable import GenieTensor
@testable import GenieTraining

/// The pieces of data-parallel training that need no MPI: the shares of a global batch tile it
/// without overlap, and the shares' losses, each a contribution to the global batch's loss,
/// give gradients that sum to the global batch's gradient (what the allreduce then adds up).
final class DataParallelTests: XCTestCase {
    func testSharesTileTheGlobalBatchWithoutOverlap() throws {
        for ranks in 1...6 {
            for batch in [ranks, 2 * ranks, 5 * ranks] {
                let ranges = (0..<ranks).map { BatchShare(rank: $0, ranks: ranks).range(of: batch) }
                XCTAssertEqual(ranges.flatMap { Array($0) }, Array(0..<batch), "\(ranks) ranks, batch \(batch)")
                XCTAssertTrue(ranges.allSatisfy { $0.count == batch / ranks })
            }
        }
        XCTAssertEqual(BatchShare(rank: 1, ranks: 2).slice(Array(0..<12), batch: 4, perExample: 3), [6, 7, 8, 9, 10, 11])
        XCTAssertThrowsError(try BatchShare(rank: 0, ranks: 4).validate(batch: 6)) { error in
            XCTAssertEqual("\(error)", "--batch 6 does not split evenly over 4 ranks: give a multiple of 4")
        }
    }

    func testEveryRankDrawsTheSameGlobalBatchAndMakesFramesForItsShare() throws {
        let root = NSTemporaryDirectory() + "genie-shares-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeDataset(root, episodes: 3, frames: 6)
        let sampler = try ClipSampler(dataset: try VideoDataset(root: root), clipLength: 3, seed: 9)
        var whole = sampler
        let (frames, clips) = whole.nextBatch(4)
        var parts: [Float] = [], partClips: [String] = []
        for rank in 0..<2 {
            var mine = sampler
            let share = mine.nextBatch(4, share: BatchShare(rank: rank, ranks: 2))
            XCTAssertEqual(share.frames.shape[0], 2)
            parts += share.frames.array
            partClips += share.clips.map { "\($0.episode)/\($0.start)" }
            XCTAssertEqual(mine.generator.state, whole.generator.state, "every rank moves the clip order alike")
        }
        XCTAssertEqual(parts, frames.array)
        XCTAssertEqual(partClips, clips.map { "\($0.episode)/\($0.start)" })
    }

    let tiny = TransformerConfig(width: 16, depth: 1, heads: 2, feedForwardMultiple: 2)

    func randomFrames(_ batch: Int, _ t: Int, seed: UInt64) -> Tensor {
        var g = RandomGenerator(seed: seed)
        let x = Tensor.zeros([batch, t, 8, 8, 3])
        // Still pixels and changed ones, far more changed in the second half of the batch: the
        // changed-pixel weighting has work to do, and the halves' own weights differ.
        for i in 0..<x.count { x.data[i] = g.nextFloat() < (i < x.count / 2 ? 0.95 : 0.3) ? 0.5 : g.nextFloat() }
        return x
    }

    func rows(_ x: Tensor, _ range: Range<Int>) -> Tensor { slice(x, axis: 0, range).detached() }

    /// The gradient of `loss()` for each parameter, gathered into one array.
    func gradient(_ model: Module, _ losses: () -> [Tensor]) -> [Float] {
        for p in model.parameters { p.zeroGradient() }
        for loss in losses() { loss.backward() }
        return model.parameters.flatMap { $0.gradientArray ?? [Float](repeating: 0, count: $0.count) }
    }

    func assertClose(_ a: [Float], _ b: [Float], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        let scale = a.map(abs).max() ?? 1
        XCTAssertGreaterThan(scale, 0, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-4 * scale, file: file, line: line)
    }

    func testShareGradientsOfTheTokenizerAndLAMSumToTheGlobalGradient() throws {
        var t = TokenizerConfig()
        t.frameHeight = 8; t.frameWidth = 8; t.patch = 4; t.codebookSize = 16; t.codeDimension = 4
        t.encoder = tiny; t.decoder = tiny
        let tokenizer = VideoTokenizer(t, seed: 3)
        let frames = randomFrames(4, 3, seed: 1)
        let whole = gradient(tokenizer) { [tokenizer.trainingLoss(frames).loss] }
        let shares = gradient(tokenizer) { (0..<2).map { scale(tokenizer.trainingLoss(rows(frames, ($0 * 2)..<($0 * 2 + 2))).loss, 0.5) } }
        assertClose(shares, whole)

        var l = LatentActionConfig()
        l.frameHeight = 8; l.frameWidth = 8; l.patch = 4; l.actions = 4; l.latentDimension = 4
        l.encoder = tiny; l.decoder = tiny; l.changedPixelWeight = 10
        let lam = LatentActionModel(l, seed: 4)
        let halves = [rows(frames, 0..<2), rows(frames, 2..<4)]
        let counts = halves.map(LatentActionModel.changedPixels)
        let all = LatentActionModel.changedPixels(frames)
        XCTAssertEqual(counts[0].changed + counts[1].changed, all.changed)
        XCTAssertGreaterThan(all.changed, 0)
        let lamWhole = gradient(lam) { [lam.trainingLoss(frames).loss] }
        let lamShares = gradient(lam) { halves.map { scale(lam.trainingLoss($0, changedPixels: all).loss, 0.5) } }
        assertClose(lamShares, lamWhole)
        // With labels on some transitions (a reader's loss averaged over the whole batch's labelled ones).
        l.labelledActions = 3; l.actionLabelWeight = 0.5
        let reading = LatentActionModel(l, seed: 4)
        let targets: [Int32] = [0, 2, 1, 1, 0, 2, 2, 0], mask = [true, false, true, true, false, false, true, true]
        let labels = TransitionLabels(targets: targets, mask: mask, batchCount: 5)
        let readerWhole = gradient(reading) { let o = reading.trainingLoss(frames, labels: labels); return [o.loss, o.labelLoss!] }
        let readerShares = gradient(reading) {
            (0..<2).flatMap { rank -> [Tensor] in
                let part = BatchShare(rank: rank, ranks: 2)
                let share = TransitionLabels(targets: part.slice(targets, batch: 4, perExample: 2), mask: part.slice(mask, batch: 4, perExample: 2), batchCount: 5)
                let o = reading.trainingLoss(halves[rank], changedPixels: all, labels: share)
                return [scale(o.loss, 0.5), o.labelLoss!]
            }
        }
        assertClose(readerShares, readerWhole)
        // Weighting each half by its own changed pixels would not give the global gradient.
        let ownWeights = gradient(lam) { halves.map { scale(lam.trainingLoss($0).loss, 0.5) } }
        XCTAssertGreaterThan(zip(ownWeights, lamWhole).map { abs($0 - $1) }.max() ?? 0, 1e-3 * (lamWhole.map(abs).max() ?? 0))
    }

    func testShareGradientsOfTheDynamicsModelSumToTheGlobalGradient() throws {
        var d = DynamicsConfig()
        d.tokensPerFrame = 4; d.codebookSize = 16; d.actions = 4; d.transformer = tiny
        let model = DynamicsModel(d, seed: 5)
        var g = RandomGenerator(seed: 6)
        let (batch, frames) = (4, 3)
        let tokens = (0..<(batch * frames * 4)).map { _ in Int32(g.nextInt(16)) }
        let actions = (0..<(batch * (frames - 1))).map { _ in Int32(g.nextInt(4)) }
        let mask = model.sampleMask(batch: batch, frames: frames, generator: &g)
        let masked = mask.filter { $0 }.count
        let whole = gradient(model) { [model.trainingLoss(tokens: tokens, actions: actions, batch: batch, frames: frames, mask: mask).loss] }
        let shares = gradient(model) {
            (0..<2).map { rank in
                let share = BatchShare(rank: rank, ranks: 2)
                return model.trainingLoss(tokens: share.slice(tokens, batch: batch, perExample: frames * 4),
                                          actions: share.slice(actions, batch: batch, perExample: frames - 1), batch: 2, frames: frames,
                                          mask: share.slice(mask, batch: batch, perExample: frames * 4), maskedCount: masked).loss
            }
        }
        assertClose(shares, whole)
    }
}

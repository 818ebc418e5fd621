import Foundation
import XCTest
import GenieMedia
@testable import GenieModels
@testable import GenieTensor
@testable import GenieWorld

/// Redraws every parameter from N(0, std²) (LayerNorm gains around 1), so that the tiny
/// models' outputs are far from zero and a wrong attention pattern shows in the logits.
private func scramble(_ model: Module, std: Float, seed: UInt64) {
    var g = RandomGenerator(seed: seed)
    for (name, p) in model.namedParameters() {
        let base: Float = name.hasSuffix("gain") ? 1 : 0
        for i in 0..<p.count { p.data[i] = base + std * g.nextNormal() }
    }
}

/// The reference the cache must equal: a plain, slow full recomputation of an ST-transformer
/// over all T frames of x [1, T, S, C], where each layer's temporal attention lets frame i
/// see only frames i−W+1 … i of that layer's input (loops, no KV cache, no `attention()`).
private func bandedForward(_ transformer: STTransformer, _ x: Tensor, window: Int) -> Tensor {
    let (t, s, c) = (x.shape[1], x.shape[2], x.shape[3])
    var h = x
    for block in transformer.blocks {
        let a = add(h, block.spatial(block.spatialNorm(h)))
        let n = block.temporalNorm(a)
        let heads = block.temporal.heads, d = c / heads
        let (q, k, v) = block.temporal.projections(n)
        let mixed = Tensor.zeros([1, t, s, c])
        func at(_ ti: Int, _ si: Int, _ hi: Int, _ j: Int) -> Int { (ti * s + si) * c + hi * d + j }
        for ti in 0..<t {
            let band = max(0, ti - window + 1)...ti
            for si in 0..<s {
                for hi in 0..<heads {
                    var scores: [Double] = band.map { tj in
                        var dot = 0.0
                        for j in 0..<d { dot += Double(q.data[at(ti, si, hi, j)]) * Double(k.data[at(tj, si, hi, j)]) }
                        return dot / Double(d).squareRoot()
                    }
                    let top = scores.max()!
                    scores = scores.map { Foundation.exp($0 - top) }
                    let total = scores.reduce(0, +)
                    for j in 0..<d {
                        var sum = 0.0
                        for (w, tj) in zip(scores, band) { sum += w / total * Double(v.data[at(tj, si, hi, j)]) }
                        mixed.data[at(ti, si, hi, j)] = Float(sum)
                    }
                }
            }
        }
        let b = add(a, block.temporal.output(mixed))
        h = add(b, block.feedForward(block.feedForwardNorm(b)))
    }
    return transformer.finalNorm(h)
}

private func maxDifference(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var worst: Float = 0
    for i in 0..<n { worst = max(worst, abs(a[i] - b[i])) }
    return worst
}

final class InferenceCacheTests: XCTestCase {
    /// Cached MaskGIT logits of each new frame equal the banded full recomputation within
    /// 1e-4, for 28 frames with a window of 4 (24 steps past the window), at two masking
    /// levels per frame; a full-window recomputation differs (so the band is what is tested).
    func testDynamicsCacheEqualsBandedRecomputation() {
        let window = 4
        let model = DynamicsModel(tinyDynamicsConfig(), seed: 1)
        scramble(model, std: 0.3, seed: 2)
        let s = model.config.tokensPerFrame, k = model.config.codebookSize
        let stream = DynamicsStream(model: model, window: window)
        var g = RandomGenerator(seed: 3)
        var history: [Int32] = (0..<s).map { _ in Int32(g.nextInt(k)) }
        var actions: [Int32] = []
        stream.append(tokens: Array(history), action: model.noAction)
        var worst: Float = 0, bandMatters = false
        for step in 1..<28 {
            let action = Int32(g.nextInt(model.config.actions))
            let final: [Int32] = (0..<s).map { _ in Int32(g.nextInt(k)) }
            for maskRate: Float in [1.0, 0.5] {
                let input = final.map { g.nextFloat() < maskRate ? model.maskToken : $0 }
                let cached = stream.logits(tokens: input, action: action)
                XCTAssertEqual(stream.cache.layers[0].pastFrames, min(step, window - 1))
                let frames = step + 1
                let reference = withoutGradient { () -> Tensor in
                    let x = model.embed(tokens: history + input, actions: actions + [action], batch: 1, frames: frames)
                    return model.head(bandedForward(model.transformer, x, window: window))
                }
                let last = reference.data + step * s * k
                worst = max(worst, maxDifference(cached.data, last, s * k))
                if step >= window {
                    let full = withoutGradient {
                        model.logits(tokens: history + input, actions: actions + [action], batch: 1, frames: frames)
                    }
                    if maxDifference(cached.data, full.data + step * s * k, s * k) > 1e-3 { bandMatters = true }
                }
            }
            stream.append(tokens: final, action: action)
            history += final
            actions.append(action)
        }
        XCTAssertLessThan(worst, 1e-4, "cached logits differ from the banded recomputation by \(worst)")
        XCTAssertTrue(bandMatters, "past the window the band should change the logits")
        XCTAssertEqual(stream.cache.layers[0].cachedFrames, [25, 26, 27])
    }

    /// Committing a frame writes the keys and values a whole pass over it writes, in every
    /// layer, though it stops at the last block's; and the logits of some of a frame's
    /// positions are those rows of the whole frame's logits.
    func testCommittingWritesWhatAWholePassWrites() {
        let model = DynamicsModel(tinyDynamicsConfig(), seed: 21)
        scramble(model, std: 0.3, seed: 22)
        let s = model.config.tokensPerFrame, k = model.config.codebookSize
        let committed = DynamicsStream(model: model, window: 3), reference = DynamicsStream(model: model, window: 3)
        var g = RandomGenerator(seed: 23)
        for step in 0..<5 {
            let tokens: [Int32] = (0..<s).map { _ in Int32(g.nextInt(k)) }
            let action = step == 0 ? model.noAction : Int32(g.nextInt(model.config.actions))
            // The reference passes over the whole frame; `committed` only appends it.
            let whole = reference.logits(tokens: tokens, action: action)
            let positions: [Int32] = [0, Int32(s - 1)]
            let some = reference.logits(tokens: tokens, action: action, at: positions)
            XCTAssertEqual(some.shape, [2, k])
            for (row, p) in positions.enumerated() {
                XCTAssertLessThan(maxDifference(some.data + row * k, whole.data + Int(p) * k, k), 1e-5, "position \(p), step \(step)")
            }
            committed.append(tokens: tokens, action: action)
            reference.cache.commit()
            for (a, b) in zip(committed.cache.layers, reference.cache.layers) {
                XCTAssertEqual(a.keys.array, b.keys.array, "step \(step)")
                XCTAssertEqual(a.values.array, b.values.array, "step \(step)")
            }
        }
        XCTAssertEqual(committed.cache.layers[0].cachedFrames, [3, 4])
    }

    /// The cached tokenizer decoder equals the banded full recomputation within 1e-4.
    func testDecoderCacheEqualsBandedRecomputation() {
        let window = 3
        let tokenizer = VideoTokenizer(tinyTokenizerConfig(), seed: 4)
        scramble(tokenizer, std: 0.3, seed: 5)
        let c = tokenizer.config, s = c.tokensPerFrame
        let stream = DecoderStream(tokenizer: tokenizer, window: window)
        var g = RandomGenerator(seed: 6)
        var codes: [Int32] = []
        var worst: Float = 0
        for step in 0..<25 {
            let frameCodes: [Int32] = (0..<s).map { _ in Int32(g.nextInt(c.codebookSize)) }
            codes += frameCodes
            let cached = stream.decodePixels(codes: frameCodes)
            let reference = withoutGradient { () -> Tensor in
                let vectors = tokenizer.quantizer.vectors(codes, shape: [1, step + 1, s])
                let x = add(tokenizer.fromCode(vectors), tokenizer.decoderPositions.value)
                let tokens = tokenizer.toPixels(bandedForward(tokenizer.decoder, x, window: window))
                let frames = unpatchify(tokens, patch: c.patch, height: c.frameHeight, width: c.frameWidth, channels: c.channels)
                return add(scale(frames, 0.5), Tensor.scalar(0.5))
            }
            let size = c.frameHeight * c.frameWidth * c.channels
            worst = max(worst, maxDifference(cached.data, reference.data + step * size, size))
        }
        XCTAssertLessThan(worst, 1e-4, "cached decoder differs from the banded recomputation by \(worst)")
    }

    /// While the window has not filled, cached generation is the uncached reference sampler.
    func testCachedGenerationMatchesUncachedWithinTheWindow() {
        let model = DynamicsModel(tinyDynamicsConfig(), seed: 7)
        scramble(model, std: 0.3, seed: 8)
        let s = model.config.tokensPerFrame
        let settings = MaskGITSettings(iterations: 3, temperature: 0)
        let stream = DynamicsStream(model: model, window: 16)
        var context: [Int32] = [1, 2, 3, 4]
        stream.append(tokens: context, action: model.noAction)
        var actions: [Int32] = []
        var g1 = RandomGenerator(seed: 9), g2 = RandomGenerator(seed: 9)
        for step in 0..<6 {
            let action = Int32(step % model.config.actions)
            actions.append(action)
            let cached = stream.generate(action: action, settings: settings, generator: &g1)
            let uncached = generateNextFrame(model: model, context: context, actions: actions, settings: settings, generator: &g2)
            XCTAssertEqual(cached, uncached, "step \(step)")
            context += uncached
        }
        XCTAssertEqual(context.count, 7 * s)
    }
}

/// A world from tiny random models and one fixed prompt frame.
private func tinyWorld(seed: UInt64 = 0, iterations: Int = 4, keyMap: LatentKeyMap? = nil) throws -> WorldModel {
    let tokenizer = VideoTokenizer(tinyTokenizerConfig(), seed: 11)
    scramble(tokenizer, std: 0.3, seed: 12)
    let dynamics = DynamicsModel(tinyDynamicsConfig(), seed: 13)
    scramble(dynamics, std: 0.3, seed: 14)
    var g = RandomGenerator(seed: 15)
    let prompt = Frame(width: 8, height: 8, pixels: (0..<(8 * 8 * 3)).map { _ in UInt8(g.nextInt(256)) })
    return try WorldModel(tokenizer: tokenizer, dynamics: dynamics, keyMap: keyMap,
                          settings: WorldModelSettings(maskGIT: MaskGITSettings(iterations: iterations, temperature: 1), dynamicsWindow: 3, decoderWindow: 3),
                          prompt: .fixed([prompt, prompt]), weightHashes: ["tokenizer": "t", "dynamics": "d"], seed: seed)
}

final class WorldModelTests: XCTestCase {
    func testSameSeedGivesIdenticalFramesAndAnotherSeedDiffers() throws {
        func rollout(_ seed: UInt64) throws -> [Frame] {
            let world = try tinyWorld()
            var frames = [try world.reset(seed: seed)]
            for i in 0..<12 { frames.append(try world.step(i % world.actionCount)) }
            return frames
        }
        let a = try rollout(5), b = try rollout(5), c = try rollout(6)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a[0], c[0], "the prompt does not depend on the seed")
        XCTAssertNotEqual(a, c)
        // Resetting a used world starts the same rollout again.
        let world = try tinyWorld()
        _ = try world.reset(seed: 9)
        for _ in 0..<5 { _ = try world.step(1) }
        var again = [try world.reset(seed: 5)]
        for i in 0..<12 { again.append(try world.step(i % world.actionCount)) }
        XCTAssertEqual(again, a)
    }

    /// Within the key map's airtime after the world's last jump, a jump control plays its
    /// counterpart without the jump; after it, or after a reset, the jump again.
    func testAJumpPressedInTheAirPlaysItsControlWithoutTheJump() throws {
        let map = LatentKeyMap(latentActions: 4, controls: ["noop": 0, "left": 1, "jump": 2, "left+jump": 3, "right": 1], jumpAirtime: 2)
        let world = try tinyWorld(seed: 3, keyMap: map)
        _ = try world.reset(seed: 1)
        XCTAssertEqual(world.action(forControl: "jump"), 2, "no jump yet")
        var played: [Int] = []
        for control in ["jump", "jump", "left+jump", "jump", "left+jump", "noop", "jump"] {
            let latent = try XCTUnwrap(world.action(forControl: control))
            played.append(latent)
            _ = try world.step(latent)
        }
        // jump; 1 and 2 steps later in the air; 3 steps later it jumps again; then air, noop; 3 steps later a jump.
        XCTAssertEqual(played, [2, 0, 1, 2, 1, 0, 2])
        _ = try world.reset(seed: 1)
        XCTAssertEqual(world.action(forControl: "left+jump"), 3, "a reset forgets the jump")
        _ = try world.step(1)
        XCTAssertEqual(world.action(forControl: "left+jump"), 3, "a step that is no jump starts no airtime")
        let noRule = try tinyWorld(seed: 3, keyMap: LatentKeyMap(latentActions: 4, controls: map.controls))
        _ = try noRule.reset(seed: 1)
        _ = try noRule.step(2)
        XCTAssertEqual(noRule.action(forControl: "jump"), 2, "a key map without an airtime keeps every jump")
    }

    /// With a jump reader the world asks it, reading its own last two frames, instead of
    /// counting the airtime; a reader for other codes is refused when the world is built.
    func testTheJumpReaderDecidesWhetherAJumpIsPlayed() throws {
        let tokenizer = tinyTokenizerConfig()
        // Every code known (a small weight each) or none.
        func reader(bias: Float, codes: Int = tokenizer.codebookSize, known: Bool = true) -> JumpReader {
            JumpReader(tokensPerFrame: tokenizer.tokensPerFrame, codebookSize: codes, bias: bias,
                       weights: [Float](repeating: known ? 1e-4 : 0, count: 2 * tokenizer.tokensPerFrame * codes))
        }
        var map = LatentKeyMap(latentActions: 4, controls: ["noop": 0, "left": 1, "jump": 2, "left+jump": 3], jumpAirtime: 2)
        map.jumpReader = reader(bias: -1)  // reads the player as always in the air
        let grounded = try tinyWorld(seed: 3, keyMap: map)
        _ = try grounded.reset(seed: 1)
        XCTAssertEqual(grounded.action(forControl: "jump"), 0, "in the air from the prompt: no jump")
        XCTAssertEqual(grounded.action(forControl: "left+jump"), 1)
        map.jumpReader = reader(bias: 1)  // always on the ground
        let jumping = try tinyWorld(seed: 3, keyMap: map)
        _ = try jumping.reset(seed: 1)
        for _ in 0..<3 {
            XCTAssertEqual(jumping.action(forControl: "jump"), 2, "the reader, not the airtime, decides")
            _ = try jumping.step(2)
        }
        map.jumpReader = reader(bias: -1, known: false)  // codes it never saw: the airtime decides
        let unfamiliar = try tinyWorld(seed: 3, keyMap: map)
        _ = try unfamiliar.reset(seed: 1)
        XCTAssertEqual(unfamiliar.action(forControl: "jump"), 2)
        _ = try unfamiliar.step(2)
        XCTAssertEqual(unfamiliar.action(forControl: "jump"), 0, "within the airtime")
        map.jumpReader = reader(bias: 1, codes: tokenizer.codebookSize + 1)
        XCTAssertThrowsError(try tinyWorld(keyMap: map)) { error in
            XCTAssertTrue("\(error)".contains("jump reader reads"), "\(error)")
        }
    }

    func testIdentityActionNamesAndKeyMap() throws {
        let map = LatentKeyMap(latentActions: 4, controls: ["right": 2, "right+jump": 2, "noop": 0])
        let world = try tinyWorld(seed: 3, keyMap: map)
        XCTAssertEqual(world.kind, "model")
        XCTAssertEqual(world.actionCount, 4)
        XCTAssertEqual(world.actionName(1), "latent 1")
        XCTAssertEqual(world.actionName(2), "latent 2 right/right+jump")
        XCTAssertEqual(world.action(forControl: "right"), 2)
        XCTAssertNil(world.action(forControl: "left"))
        XCTAssertEqual(world.identity["seed"], "3")
        XCTAssertEqual(world.identity["iterations"], "4")
        XCTAssertEqual(world.identity["dynamics"], "d")
        XCTAssertEqual(world.identity["dynamics_window"], "3")
        XCTAssertTrue(world.identity["prompt"]!.hasPrefix("frames:2:"))
        XCTAssertThrowsError(try world.step(0)) { XCTAssertEqual($0 as? WorldModelError, .notReset) }
        _ = try world.reset(seed: 3)
        XCTAssertThrowsError(try world.step(4)) { XCTAssertEqual($0 as? WorldModelError, .badAction(4, count: 4)) }
    }

    func testMismatchedModelsFailClearly() throws {
        let tokenizer = VideoTokenizer(tinyTokenizerConfig(), seed: 1)
        var wrongCodes = tinyDynamicsConfig(); wrongCodes.codebookSize = 32
        var wrongTokens = tinyDynamicsConfig(); wrongTokens.tokensPerFrame = 16
        let prompt = WorldPrompt.fixed([Frame(width: 8, height: 8)])
        for (config, words) in [(wrongCodes, "16 codes"), (wrongTokens, "tokens per frame")] {
            XCTAssertThrowsError(try WorldModel(tokenizer: tokenizer, dynamics: DynamicsModel(config, seed: 2), keyMap: nil,
                                                prompt: prompt, weightHashes: [:])) { error in
                XCTAssertTrue("\(error)".contains("do not belong together"), "\(error)")
                XCTAssertTrue("\(error)".contains(words), "\(error)")
            }
        }
        let eightActions = LatentKeyMap(latentActions: 8, controls: [:])
        XCTAssertThrowsError(try WorldModel(tokenizer: tokenizer, dynamics: DynamicsModel(tinyDynamicsConfig(), seed: 2), keyMap: eightActions,
                                            prompt: prompt, weightHashes: [:])) { XCTAssertTrue("\($0)".contains("key map"), "\($0)") }
        // A prompt of another size is brought to the model's frames: the same world as the
        // prompt fitted beforehand.
        var wide = Frame(width: 16, height: 8)
        for x in 0..<16 { for y in 0..<8 { wide[x, y] = RGB(UInt8(x * 15), UInt8(y * 30), 90) } }
        let fitted = wide.fitted(to: FrameSize(width: 8, height: 8))
        let worlds = try [wide, fitted].map {
            try WorldModel(tokenizer: tokenizer, dynamics: DynamicsModel(tinyDynamicsConfig(), seed: 2), keyMap: nil, prompt: .fixed([$0]), weightHashes: [:])
        }
        let first = try worlds.map { try $0.reset(seed: 0) }
        XCTAssertEqual([first[0].width, first[0].height], [8, 8])
        XCTAssertEqual(first[0], first[1])
        XCTAssertEqual(try worlds[0].step(1), try worlds[1].step(1))
    }

    func testLoadChecksKindsAndPairsOfFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genie-infer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tokenizer = VideoTokenizer(tinyTokenizerConfig(), seed: 1)
        try Checkpoint.save(tokenizer, kind: "tokenizer", config: tokenizer.config, provenance: ["clip": "6", "command": "genie train tokenizer --clip 9"], to: dir + "/tokenizer.safetensors")
        let dynamics = DynamicsModel(tinyDynamicsConfig(), seed: 2)
        try Checkpoint.save(dynamics, kind: "dynamics", config: dynamics.config, provenance: ["command": "genie train dynamics --clip 5"],
                            to: dir + "/dynamics.safetensors")
        var other = tinyDynamicsConfig(); other.codebookSize = 32
        try Checkpoint.save(DynamicsModel(other, seed: 2), kind: "dynamics", config: other, to: dir + "/other.safetensors")
        let prompt = WorldPrompt.fixed([Frame(width: 8, height: 8)])

        let world = try WorldModel.load(tokenizerPath: dir + "/tokenizer.safetensors", dynamicsPath: dir + "/dynamics.safetensors",
                                        keyMapPath: nil, prompt: prompt)
        XCTAssertEqual(world.decoderWindow, 6, "window from the checkpoint's clip, not its command line")
        XCTAssertEqual(world.dynamicsWindow, 16, "the trainer's default clip where the checkpoint stores none")
        XCTAssertTrue(world.identity["tokenizer"]!.hasPrefix("fnv1a64:"))
        XCTAssertThrowsError(try WorldModel.load(tokenizerPath: dir + "/tokenizer.safetensors", dynamicsPath: dir + "/tokenizer.safetensors",
                                                 keyMapPath: nil, prompt: prompt)) { XCTAssertTrue("\($0)".contains("dynamics checkpoint is needed"), "\($0)") }
        XCTAssertThrowsError(try WorldModel.load(tokenizerPath: dir + "/tokenizer.safetensors", dynamicsPath: dir + "/other.safetensors",
                                                 keyMapPath: nil, prompt: prompt)) { XCTAssertTrue("\($0)".contains("do not belong together"), "\($0)") }
        try Data("{\"format\": \"something\"}".utf8).write(to: URL(fileURLWithPath: dir + "/bad.json"))
        XCTAssertThrowsError(try WorldModel.load(tokenizerPath: dir + "/tokenizer.safetensors", dynamicsPath: dir + "/dynamics.safetensors",
                                                 keyMapPath: dir + "/bad.json", prompt: prompt)) { XCTAssertTrue("\($0)".contains("cannot read key map"), "\($0)") }
    }
}

final class LatentKeyMapTests: XCTestCase {
    /// Synthetic LAM output: true action a gets latent perm[a] 80 % of the time when it is
    /// visible; invisible transitions (class != action) always get latent 7 and must not count.
    func testComputeRecoversTheLatentOfEachVisibleAction() throws {
        let names = Control.all
        let perm = [3, 5, 1, 6, 0, 2]
        var g = RandomGenerator(seed: 1)
        var latents: [Int] = [], actions: [Int] = [], classes: [Int] = []
        for _ in 0..<3000 {
            let a = g.nextInt(names.count)
            let visible = g.nextFloat() < 0.7
            actions.append(a)
            classes.append(visible ? a : 0 == a ? 1 : 0)
            latents.append(visible ? (g.nextFloat() < 0.8 ? perm[a] : g.nextInt(8)) : 7)
        }
        let map = try LatentKeyMap.compute(latents: latents, actions: actions, classes: classes, actionNames: names, latentActions: 8)
        for (a, name) in names.enumerated() {
            XCTAssertEqual(map.controls[name], perm[a], name)
            XCTAssertGreaterThan(map.confidence[name]!, 0.75)
            XCTAssertEqual(map.counts[name]![7] < 100, true, "invisible transitions must not count")
        }
        XCTAssertEqual(map.transitions, classes.enumerated().filter { $0.element == actions[$0.offset] }.count)
        XCTAssertEqual(map.controls(forLatent: 5), ["left"])

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keymap-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try map.write(to: path)
        XCTAssertEqual(try LatentKeyMap.load(path), map)

        XCTAssertThrowsError(try LatentKeyMap.compute(latents: [1], actions: [2], classes: [0], actionNames: names, latentActions: 8)) {
            XCTAssertEqual($0 as? KeyMapError, .noVisibleTransitions)
        }
    }

    /// The airtime is read from whole episodes: the first step after a jump at which most
    /// jump presses take effect, less one; nil without jumps or when presses never fail.
    func testTheJumpAirtimeIsWhatTheDataShows() throws {
        let names = Control.all  // noop, left, right, jump, left+jump, right+jump
        // Each episode: a jump that takes effect, then presses k = 1…8 steps after it in turn,
        // of which those at k <= 5 do nothing (class noop) and the rest take effect.
        var episodes: [(actions: [Int], classes: [Int])] = []
        for k in 1...8 {
            for _ in 0..<12 {
                let actions = [3] + [Int](repeating: 0, count: k - 1) + [5]
                let classes = [3] + [Int](repeating: 0, count: k - 1) + [k <= 5 ? 2 : 5]
                episodes.append((actions, classes))
            }
        }
        XCTAssertEqual(LatentKeyMap.jumpAirtime(episodes: episodes, actionNames: names), 5)
        XCTAssertNil(LatentKeyMap.jumpAirtime(episodes: episodes, actionNames: names, minimumPresses: 13), "too few presses at every step")
        XCTAssertNil(LatentKeyMap.jumpAirtime(episodes: [([0, 1, 2, 0], [0, 1, 2, 0])], actionNames: names), "no jumps")
        let everyPressJumps = [[Int]](repeating: [3, 3], count: 20).map { (actions: $0, classes: $0) }
        XCTAssertNil(LatentKeyMap.jumpAirtime(episodes: everyPressJumps, actionNames: names), "presses right after a jump take effect")

        // Stored in the key map's JSON; a map without it (made before) reads as nil.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keymap-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let map = LatentKeyMap(latentActions: 8, controls: ["jump": 3], jumpAirtime: 16)
        try map.write(to: path)
        XCTAssertEqual(try LatentKeyMap.load(path), map)
        XCTAssertTrue(try String(contentsOfFile: path, encoding: .utf8).contains("\"jump_airtime\" : 16"))
        try LatentKeyMap(latentActions: 8, controls: ["jump": 3]).write(to: path)
        XCTAssertNil(try LatentKeyMap.load(path).jumpAirtime)
    }

    /// The jump reader learns, from presses alone, a rule over both frames' codes, and keeps
    /// it through the key map's file.
    func testTheJumpReaderLearnsWhenAJumpTakesEffect() throws {
        let s = 4, k = 6
        var g = RandomGenerator(seed: 21)
        // On the ground when code 2 stands at position 1 now and code 5 did not at position 3 before.
        func press() -> JumpReader.Press {
            let previous = (0..<s).map { _ in Int32(g.nextInt(k)) }, current = (0..<s).map { _ in Int32(g.nextInt(k)) }
            return JumpReader.Press(previous: previous, current: current, tookEffect: current[1] == 2 && previous[3] != 5)
        }
        let training = (0..<2000).map { _ in press() }, heldOut = (0..<500).map { _ in press() }
        let reader = JumpReader.fit(training, tokensPerFrame: s, codebookSize: k)
        let right = heldOut.filter { reader.canJump(previous: $0.previous, current: $0.current) == $0.tookEffect }.count
        XCTAssertEqual(reader.familiarity(heldOut[0].current), 1, "every code was seen at every position")
        XCTAssertEqual(reader.familiarity([Int32](repeating: 0, count: s)), 1)
        XCTAssertGreaterThanOrEqual(Double(right) / 500, 0.97, "held-out presses read right")
        let base = heldOut.filter { !$0.tookEffect }.count
        XCTAssertLessThan(base, 450, "the rule is not the majority answer alone")

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keymap-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var map = LatentKeyMap(latentActions: 8, controls: ["jump": 3, "noop": 0], jumpAirtime: 16)
        map.jumpReader = reader
        try map.write(to: path)
        XCTAssertEqual(try LatentKeyMap.load(path), map, "the stored reader is the fitted one")

        // Presses are the jump controls' steps; the first frame stands for its own past.
        let codes: [Int32] = [0, 1, 2, 3, 4, 5]  // three frames of two codes
        let presses = JumpReader.presses(codes: codes, tokensPerFrame: 2, actions: [3, 0, 5], classes: [3, 0, 2], isJump: { $0 >= 3 })
        XCTAssertEqual(presses.map(\.previous), [[0, 1], [2, 3]])
        XCTAssertEqual(presses.map(\.current), [[0, 1], [4, 5]])
        XCTAssertEqual(presses.map(\.tookEffect), [true, false])
    }

    /// The two classes weigh alike in the fit: where the frames tell nothing, the odds are the
    /// classes' shares of their own totals (100 of 120 that took effect against 900 of 900 that
    /// did not: log(100/120) = −0.18), not the data's prior (100 against 900: −2.2), and a
    /// rare frame that does tell is read right.
    func testTheJumpReaderWeighsPressesOnTheGroundAndInTheAirAlike() {
        let blank: [Int32] = [0], ground: [Int32] = [1]
        let presses = (0..<900).map { _ in JumpReader.Press(previous: blank, current: blank, tookEffect: false) }
            + (0..<100).map { _ in JumpReader.Press(previous: blank, current: blank, tookEffect: true) }
            + (0..<20).map { _ in JumpReader.Press(previous: blank, current: ground, tookEffect: true) }
        let reader = JumpReader.fit(presses, tokensPerFrame: 1, codebookSize: 2)
        XCTAssertEqual(reader.logit(previous: blank, current: blank), log(100 / 120), accuracy: 0.02, "the classes weigh alike")
        XCTAssertTrue(reader.canJump(previous: blank, current: ground))
    }

    /// A damaged key map is one line naming what is wrong, never a trap or Foundation's error dump.
    func testADamagedKeyMapIsOneLineNamingWhatIsWrong() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keymap-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let head = #"{"format":"genie-keymap","version":1,"counts":{},"confidence":{},"source":{},"transitions":0,"#
        func reader(s: Int, k: Int, index: String, weight: String) -> String {
            #""latent_actions":8,"controls":{},"jump_reader":{"tokens_per_frame":"# + "\(s)" + #","codebook_size":"# + "\(k)"
                + #","bias":0.5,"index":"# + index + #","weight":"# + weight + "}}"
        }
        for (text, reason) in [(head + #""latent_actions":-1,"controls":{"noop":0}}"#, "latent_actions is -1, outside 1…64"),
                               (head + #""latent_actions":8,"controls":{"noop":8}}"#, "control noop maps to latent 8, outside 0..<8"),
                               (head + #""latent_actions":"8","controls":{}}"#, "not a genie key map: latent_actions is not a valid Int"),
                               (head + #""controls":{}}"#, "not a genie key map: latent_actions is missing"),
                               (head + #""latent_actions":8,"controls":{},"jump_airtime":0}"#, "jump_airtime is 0, outside 1…1000"),
                               (head + reader(s: 2, k: 3, index: "[12]", weight: "[0.5]"), "jump_reader.index holds 12, outside 0..<12"),
                               (head + reader(s: 2, k: 3, index: "[1,1]", weight: "[0.5,0.5]"), "jump_reader.index holds 1 twice"),
                               (head + reader(s: 2, k: 3, index: "[1]", weight: "[0.5,0.5]"), "jump_reader.weight has 2 values for 1 indices"),
                               (head + reader(s: 2, k: 3, index: "[1]", weight: "[0]"), "jump_reader.weight holds 0.0 at index 1"),
                               (head + reader(s: 4096, k: 65536, index: "[]", weight: "[]"), "jump_reader.codebook_size 4096 tokens a frame of 65536 codes need more than"),
                               (head + reader(s: 0, k: 3, index: "[]", weight: "[]"), "jump_reader.tokens_per_frame is 0, outside"),
                               ("{", "not a genie key map: the key map: ")] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try LatentKeyMap.load(path)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("cannot read key map \(path): \(reason)"), message)
                XCTAssertFalse(message.contains("\n") || message.contains("NSCocoaErrorDomain") || message.contains("codingPath"), message)
            }
        }
        XCTAssertThrowsError(try LatentKeyMap.load("/dev/zero")) { XCTAssertEqual("\($0)", "cannot read key map /dev/zero: a device, not a regular file") }
    }
}

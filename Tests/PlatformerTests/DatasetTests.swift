import XCTest
import GenieMedia
@testable import Platformer

final class DatasetTests: XCTestCase {
    /// Every file under `root`, relative path -> bytes.
    func contents(_ root: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)!
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory)
            if !isDirectory.boolValue { result[relative] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + relative)) }
        }
        return result
    }

    func testSameSeedGivesAByteIdenticalDataset() throws {
        let spec = DatasetSpec(episodes: 2, frames: 8, seed: 77, policy: .random)
        let a = temporaryDirectory("a"), b = temporaryDirectory("b"), c = temporaryDirectory("c")
        defer { for d in [a, b, c] { try? FileManager.default.removeItem(atPath: d) } }
        XCTAssertEqual(try DatasetWriter.generate(spec: spec, out: a, assets: Fixture.assets, workers: 2), 16)
        try DatasetWriter.generate(spec: spec, out: b, assets: Fixture.assets, workers: 1)
        let filesA = try contents(a), filesB = try contents(b)
        XCTAssertEqual(filesA.count, 2 * (8 + 1) + 1)
        XCTAssertEqual(filesA, filesB, "same seed, same bytes, whatever the number of workers")

        var other = spec
        other.seed = 78
        try DatasetWriter.generate(spec: other, out: c, assets: Fixture.assets)
        XCTAssertNotEqual(try contents(c)["episode_00000/frame_00000.png"], filesA["episode_00000/frame_00000.png"])
    }

    func testRoamerEpisodesStartAlongTheLevelAndPlayRandomly() {
        let game = Fixture.game
        let roamer = DatasetSpec(episodes: 6, frames: 24, seed: 31, policy: .roamer)
        var movedStarts = 0
        var actionsSeen = Set<Int>()
        for i in 0..<roamer.episodes {
            let episode = DatasetWriter.record(game: game, spec: roamer, episode: i)
            if episode.frames[0] != game.render(game.newState(seed: episode.seed)) { movedStarts += 1 }
            actionsSeen.formUnion(episode.actions)
        }
        XCTAssertGreaterThanOrEqual(movedStarts, 4, "most roamer episodes start past the level's first frame")
        XCTAssertGreaterThanOrEqual(actionsSeen.count, 5, "roamer actions are random: \(actionsSeen.sorted())")
    }

    /// The idler stands for long stretches and jumps from rest: in its episodes most frames
    /// are noop, and jumps follow at least 8 frames of standing.
    func testIdlerStandsLongAndJumpsFromRest() {
        let idler = DatasetSpec(episodes: 6, frames: 64, seed: 41, policy: .idler)
        var noops = 0, total = 0, jumpsFromRest = 0
        for i in 0..<idler.episodes {
            let actions = DatasetWriter.record(game: Fixture.game, spec: idler, episode: i).actions
            noops += actions.filter { $0 == 0 }.count
            total += actions.count
            for t in 8..<actions.count where actions[t] == 3 && actions[(t - 8)..<t].allSatisfy({ $0 == 0 }) { jumpsFromRest += 1 }
        }
        XCTAssertGreaterThan(Double(noops) / Double(total), 0.5, "\(noops) noops of \(total)")
        XCTAssertGreaterThanOrEqual(jumpsFromRest, 3)
    }

    func testDatasetLayoutManifestAndActions() throws {
        let spec = DatasetSpec(episodes: 2, frames: 8, seed: 5, policy: .explorer)
        let out = temporaryDirectory("layout")
        defer { try? FileManager.default.removeItem(atPath: out) }
        try DatasetWriter.generate(spec: spec, out: out, assets: Fixture.assets)

        let frame = try PNG.read(out + "/episode_00001/frame_00007.png")
        XCTAssertEqual(frame.width, 64)
        XCTAssertEqual(frame.height, 64)
        let csv = try String(contentsOfFile: out + "/episode_00000/actions.csv", encoding: .utf8)
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.first, "t,action,class")
        XCTAssertEqual(lines.count, 8, "header plus one row per transition")
        for (t, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",").map { Int($0)! }
            XCTAssertEqual(fields[0], t)
            XCTAssertTrue((0..<6).contains(fields[1]))
            XCTAssertLessThanOrEqual(fields[2], fields[1])
        }
        // The stored frames are exactly what the simulator shows for those actions.
        let game = Fixture.game
        var state = game.newState(seed: DatasetWriter.episodeSeed(datasetSeed: 5, episode: 0))
        XCTAssertEqual(try PNG.read(out + "/episode_00000/frame_00000.png"), game.render(state))
        for (t, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",").map { Int($0)! }
            XCTAssertEqual(game.actionClasses(of: state)[fields[1]], fields[2])
            game.step(&state, action: fields[1])
            XCTAssertEqual(try PNG.read(out + "/episode_00000/" + DatasetWriter.frameFile(t + 1)), game.render(state))
        }

        let manifestData = try Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json"))
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: manifestData) as? [String: Any])
        XCTAssertEqual(manifest["format_version"] as? Int, 1)
        XCTAssertEqual(manifest["width"] as? Int, 64)
        XCTAssertEqual(manifest["height"] as? Int, 64)
        XCTAssertEqual(manifest["seed"] as? Int, 5)
        XCTAssertEqual(manifest["episodes"] as? Int, 2)
        XCTAssertEqual(manifest["frames_per_episode"] as? Int, 8)
        XCTAssertEqual(manifest["policy"] as? String, "explorer")
        XCTAssertEqual(manifest["camera"] as? String, "follow")
        XCTAssertEqual(manifest["actions"] as? [String], Control.all)
        XCTAssertEqual((manifest["episode_list"] as? [Any])?.count, 2)
    }

    func testBadArgumentsAndNonEmptyOutputAreRefused() throws {
        let out = temporaryDirectory("refuse")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let spec = DatasetSpec(episodes: 1, frames: 4, seed: 1)
        XCTAssertThrowsError(try DatasetWriter.generate(spec: DatasetSpec(episodes: 0, frames: 4, seed: 1), out: out, assets: Fixture.assets))
        XCTAssertThrowsError(try DatasetWriter.generate(spec: DatasetSpec(episodes: 1, frames: 1, seed: 1), out: out, assets: Fixture.assets))
        try DatasetWriter.generate(spec: spec, out: out, assets: Fixture.assets)
        XCTAssertThrowsError(try DatasetWriter.generate(spec: spec, out: out, assets: Fixture.assets)) { error in
            XCTAssertEqual(error as? DatasetError, .outputNotEmpty(out))
        }
        XCTAssertNoThrow(try DatasetWriter.generate(spec: spec, out: out, assets: Fixture.assets, force: true))
        // A file where the folder should be.
        let file = out + "/manifest.json"
        XCTAssertThrowsError(try DatasetWriter.generate(spec: spec, out: file, assets: Fixture.assets)) { error in
            XCTAssertEqual(error as? DatasetError, .notADirectory(file))
        }
    }
}

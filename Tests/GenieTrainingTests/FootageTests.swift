import Foundation
import XCTest
import GenieMedia
@testable import GenieTraining

/// Footage that is not the simulator's: any frame size, other actions.csv headers, bad files.
final class FootageTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("genie-footage-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func writeEpisode(_ name: String, frames: Int, width: Int, height: Int, actions: String? = nil) throws {
        let folder = directory + "/" + name
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for t in 0..<frames {
            try PNG.write(Frame(width: width, height: height, fill: RGB(UInt8(10 * t), 100, 200)), to: folder + String(format: "/frame_%05d.png", t))
        }
        if let actions { try actions.write(toFile: folder + "/actions.csv", atomically: true, encoding: .utf8) }
    }

    func parse(_ text: String, frames: Int = 3) throws -> (actions: [Int], classes: [Int]?) {
        try ActionsFile.parse(text, frames: frames) { VideoDatasetError.badActions("a.csv", reason: $0) }
    }

    func testHeadersInAnyOrderWithNamesAndExtraColumns() throws {
        XCTAssertEqual(try parse("t,action\n0,2\n1,5\n").actions, [2, 5])
        XCTAssertEqual(try parse("t,action_id,action_name\n0,1,left\n1,3,jump\n").actions, [1, 3])
        XCTAssertEqual(try parse("score,action_name,t\n9,RIGHT_JUMP,0\n8,none,1\n").actions, [5, 0])
        XCTAssertEqual(try parse("\u{FEFF}\"t\", \"name\" ,x\n0, up ,a\n1,left+up,b\r\n").actions, [3, 4])
        let withClasses = try parse("class,t,action\n0,0,3\n3,1,3\n")
        XCTAssertEqual(withClasses.actions, [3, 3])
        XCTAssertEqual(withClasses.classes, [0, 3])
        XCTAssertNil(try parse("t,action,procgen_action\n0,2,7\n1,0,4\n").classes)
    }

    func testControlNames() {
        for (name, id) in [("noop", 0), ("IDLE", 0), ("left", 1), ("Right", 2), ("jump", 3), ("UP", 3), ("left+jump", 4),
                           ("jump_left", 4), ("right-up", 5), ("RIGHT JUMP", 5)] {
            XCTAssertEqual(ActionsFile.control(named: name), id, name)
        }
        for name in ["fire", "left+right", "", "down"] where !name.isEmpty {
            XCTAssertNil(ActionsFile.control(named: name), name)
        }
    }

    func testMalformedFilesNameTheLine() {
        let cases: [(String, String)] = [
            ("", "empty"),
            ("action,x\n0,1\n", "line 1: the header has no `t` column"),
            ("t,score\n0,1\n1,1\n", "line 1: the header names no action column"),
            ("t,action\n0,1\n1\n", "line 3 has 1 fields, the header 2"),
            ("t,action\n0,1\n5,1\n", "line 3: t is \"5\", expected 1"),
            ("t,action\n0,-1\n1,1\n", "line 2: action id \"-1\" is not a number"),
            ("t,action\n0,99999999999999999999\n1,1\n", "line 2: action id"),
            ("t,action_name\n0,left\n1,fly\n", "line 3: unknown action name \"fly\""),
            ("t,action,class\n0,1,x\n1,1,1\n", "line 2: class \"x\""),
            ("t,action\n0,1\n", "1 actions for 3 frames"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try parse(text), text) { error in
                guard case .badActions(let file, let reason) = error as? VideoDatasetError else { return XCTFail("\(error)") }
                XCTAssertEqual(file, "a.csv")
                XCTAssertTrue(reason.hasPrefix(expected), "\(reason) for \(text.debugDescription)")
            }
        }
    }

    func testFramesOfAnySizeAreBroughtToTheModelSize() throws {
        try writeEpisode("a/ep0", frames: 4, width: 128, height: 96, actions: "t,action_id,action_name\n0,2,right\n1,2,right\n2,0,noop\n")
        try writeEpisode("b/ep1", frames: 3, width: 40, height: 40)
        // Without a size, mixed sizes are an error; with one, every frame is brought to it.
        XCTAssertThrowsError(try VideoDataset(root: directory)) { error in
            guard case .mixedFrameSizes = error as? VideoDatasetError else { return XCTFail("\(error)") }
        }
        let dataset = try VideoDataset(root: directory, frameSize: FrameSize(width: 64, height: 64))
        XCTAssertEqual(dataset.episodes.count, 2)
        XCTAssertEqual(dataset.frameWidth, 64)
        XCTAssertEqual(dataset.frameCount, 7)
        for episode in dataset.episodes { for frame in episode.frames { XCTAssertEqual([frame.width, frame.height], [64, 64]) } }
        XCTAssertEqual(dataset.episodes[0].frames[2][10, 10], RGB(20, 100, 200), "a flat frame stays its colour")
        XCTAssertEqual(dataset.episodes[0].actions, [2, 2, 0])
        XCTAssertNil(dataset.episodes[1].actions)
    }

    func testASymbolicLinkLoopIsWalkedOnce() throws {
        try writeEpisode("data/ep0", frames: 3, width: 8, height: 8)
        try FileManager.default.createSymbolicLink(atPath: directory + "/data/ep0/loop", withDestinationPath: directory + "/data")
        let dataset = try VideoDataset(root: directory + "/data")
        XCTAssertEqual(dataset.episodes.count, 1)
    }

    func testAMalformedActionsFileIsOneErrorNamingTheFile() throws {
        try writeEpisode("ep0", frames: 3, width: 8, height: 8, actions: "t,action\n0,1\nbad\n")
        XCTAssertThrowsError(try VideoDataset(root: directory)) { error in
            XCTAssertEqual("\(error)", "malformed actions file \(self.directory)/ep0/actions.csv: line 3 has 1 fields, the header 2")
        }
    }

    /// An actions.csv that is a link to a device is refused from what it opens, not from the link's own size.
    func testAnActionsFileLinkedToADeviceIsRefused() throws {
        try writeEpisode("ep0", frames: 3, width: 8, height: 8, actions: nil)
        try FileManager.default.createSymbolicLink(atPath: directory + "/ep0/actions.csv", withDestinationPath: "/dev/zero")
        XCTAssertThrowsError(try VideoDataset(root: directory)) { error in
            XCTAssertEqual("\(error)", "malformed actions file \(self.directory)/ep0/actions.csv: a device, not a regular file")
        }
    }

    /// Seeded mutations of valid actions files: each reads to actions that fit the episode
    /// or fails with the one error of a malformed file, never a crash or a hang.
    func testFuzzedActionsFilesReadOrFailCleanly() throws {
        let seeds = ["t,action,class\n0,1,1\n1,5,5\n2,0,0\n3,3,0\n",
                     "t,action_id,action_name\n0,2,right\n1,4,left+jump\n2,0,noop\n3,1,left\n",
                     "name,t,score\nRIGHT,0,1\nup,1,2\nnone,2,3\nleft_jump,3,4\n"]
        let alphabet = Array("0123456789,\n\r\"t_-+ actionidnameclassxyz\u{FEFF}é".unicodeScalars)
        var g: UInt64 = 0x5EED
        func next(_ n: Int) -> Int { g = g &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; return Int((g >> 33) % UInt64(n)) }
        var parsed = 0, refused = 0
        for case_ in 0..<3000 {
            var scalars = Array(seeds[case_ % seeds.count].unicodeScalars)
            for _ in 0...next(4) {
                switch next(4) {
                case 0 where !scalars.isEmpty: scalars.remove(at: next(scalars.count))
                case 1: scalars.insert(alphabet[next(alphabet.count)], at: next(scalars.count + 1))
                case 2 where !scalars.isEmpty: scalars[next(scalars.count)] = alphabet[next(alphabet.count)]
                default: scalars += scalars.prefix(next(scalars.count + 1))
                }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            do {
                let (actions, classes) = try parse(text, frames: 5)
                XCTAssertGreaterThanOrEqual(actions.count, 4)
                XCTAssertTrue(actions.allSatisfy { (0..<65_536).contains($0) })
                if let classes { XCTAssertEqual(classes.count, actions.count) }
                parsed += 1
            } catch let error as VideoDatasetError {
                guard case .badActions("a.csv", _) = error else { return XCTFail("\(error)") }
                refused += 1
            }
        }
        XCTAssertEqual(parsed + refused, 3000)
        XCTAssertGreaterThan(parsed, 100, "some mutations leave a valid file")
        XCTAssertGreaterThan(refused, 1000)
    }
}

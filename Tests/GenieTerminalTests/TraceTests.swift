import Foundation
import GenieMedia
import XCTest
@testable import GenieTerminal

/// Trace round trip, and each kind of malformed trace giving its own clear error.
final class TraceTests: XCTestCase {
    func sampleTrace() -> Trace {
        Trace(world: .init(kind: "fake", identity: ["seed": "7"]), frame: .init(width: 16, height: 8),
              seed: 7, actionNames: Control.all, settings: .init(fps: 10, mode: "realtime"),
              steps: [.init(action: 2, control: "right", key: "KEY_RIGHT", time: 0.1),
                      .init(action: 5, control: "right+jump", key: "space", time: 0.2),
                      .init(action: 0, control: "noop", key: "none", time: 0.3)],
              recordedFrames: [[0, 1], [3, 3]])
    }

    /// The sample trace as a mutable JSON object, to break in one place.
    func sampleJSON() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: try sampleTrace().encoded()) as! [String: Any]
    }

    func decode(_ object: [String: Any]) throws -> Trace {
        try Trace.decode(try JSONSerialization.data(withJSONObject: object), name: "t.json")
    }

    func assertError(_ expected: TraceError, naming name: String = "t.json", _ body: () throws -> Trace,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual(error as? TraceError, expected, "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(name), "the message names the file: \(error)", file: file, line: line)
        }
    }

    func testRoundTripThroughAFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trace = sampleTrace()
        try trace.write(to: dir + "/trace.json")
        XCTAssertEqual(try Trace.load(dir + "/trace.json"), trace)
        XCTAssertEqual(try Trace.load(dir), trace, "a folder holding trace.json loads too")
        let text = try String(contentsOfFile: dir + "/trace.json", encoding: .utf8)
        for key in ["\"version\" : 1", "\"kind\" : \"fake\"", "\"recorded_frames\"", "\"action_names\"", "\"time\""] {
            XCTAssertTrue(text.contains(key), key)
        }
    }

    /// A learned world's arithmetic round-trips under its own key; traces without it still load.
    func testNumericsRoundTripAndAreOptional() throws {
        var trace = sampleTrace()
        XCTAssertNil(try Trace.decode(try trace.encoded()).numerics)
        trace.numerics = .init(blasKernel: "Haswell", blasThreads: 2)
        let data = try trace.encoded()
        XCTAssertEqual(try Trace.decode(data).numerics, Trace.Numerics(blasKernel: "Haswell", blasThreads: 2))
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("\"blas_threads\" : 2"))
    }

    func testLargeSeedRoundTrips() throws {
        var trace = sampleTrace()
        trace.seed = UInt64.max
        trace.world.identity["seed"] = String(UInt64.max)
        XCTAssertEqual(try Trace.decode(try trace.encoded()).seed, UInt64.max)
    }

    func testRecordedRanges() {
        var trace = sampleTrace()
        trace.recordedFrames = []
        for i in [0, 1, 2, 5, 6] { trace.markRecorded(i) }
        XCTAssertEqual(trace.recordedFrames, [[0, 2], [5, 6]])
        XCTAssertTrue(trace.wasRecorded(1))
        XCTAssertFalse(trace.wasRecorded(3))
        XCTAssertEqual(Trace.frameFileName(0), "frame_00000.png")
        XCTAssertEqual(Trace.frameFileName(12345), "frame_12345.png")
    }

    func testMissingFile() {
        assertError(.fileNotFound("/nonexistent/trace.json"), naming: "/nonexistent/trace.json") { try Trace.load("/nonexistent/trace.json") }
    }

    func testADeviceIsRefusedBeforeReading() {
        assertError(.unreadable("/dev/zero", reason: "a device, not a regular file"), naming: "/dev/zero") { try Trace.load("/dev/zero") }
    }

    func testBadJSON() {
        XCTAssertThrowsError(try Trace.decode(Data("{\"version\": 1,".utf8), name: "t.json")) { error in
            guard case .invalidJSON(let name, _)? = error as? TraceError else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "t.json")
            XCTAssertTrue("\(error)".contains("not valid JSON"))
        }
        XCTAssertThrowsError(try Trace.decode(Data("[1, 2]".utf8), name: "t.json")) { error in
            XCTAssertTrue("\(error)".contains("not a JSON object"), "\(error)")
        }
    }

    func testWrongVersion() throws {
        var o = try sampleJSON(); o["version"] = 2
        assertError(.unsupportedVersion("t.json", found: 2, supported: 1)) { try decode(o) }
        o.removeValue(forKey: "version")
        assertError(.missingField("t.json", field: "version")) { try decode(o) }
        o["version"] = "one"
        assertError(.invalidValue("t.json", field: "version", reason: "not an integer")) { try decode(o) }
    }

    func testWrongFormat() throws {
        var o = try sampleJSON(); o["format"] = "something-else"
        XCTAssertThrowsError(try decode(o)) { XCTAssertTrue("\($0)".contains("format"), "\($0)") }
    }

    func testMissingFields() throws {
        for field in ["world", "frame", "seed", "settings", "steps", "action_names", "recorded_frames"] {
            var o = try sampleJSON(); o.removeValue(forKey: field)
            assertError(.missingField("t.json", field: field)) { try decode(o) }
        }
        var o = try sampleJSON()
        var steps = o["steps"] as! [[String: Any]]
        steps[1].removeValue(forKey: "action")
        o["steps"] = steps
        assertError(.missingField("t.json", field: "steps[1].action")) { try decode(o) }
    }

    func testWrongTypes() throws {
        var o = try sampleJSON(); o["seed"] = "seven"
        XCTAssertThrowsError(try decode(o)) { error in
            guard case .invalidValue(_, let field, _)? = error as? TraceError else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "seed")
        }
    }

    func testActionOutOfRange() throws {
        var o = try sampleJSON()
        var steps = o["steps"] as! [[String: Any]]
        steps[2]["action"] = 6
        o["steps"] = steps
        assertError(.actionOutOfRange("t.json", step: 2, action: 6, actionCount: 6)) { try decode(o) }
        steps[2]["action"] = -1
        o["steps"] = steps
        assertError(.actionOutOfRange("t.json", step: 2, action: -1, actionCount: 6)) { try decode(o) }
    }

    func testInvalidValues() throws {
        func expectField(_ field: String, _ change: (inout [String: Any]) -> Void) throws {
            var o = try sampleJSON(); change(&o)
            XCTAssertThrowsError(try decode(o), field) { error in
                guard case .invalidValue(_, let f, _)? = error as? TraceError else { return XCTFail("\(field): \(error)") }
                XCTAssertEqual(f, field)
            }
        }
        try expectField("frame") { $0["frame"] = ["width": 0, "height": 64] }
        try expectField("settings.fps") { $0["settings"] = ["fps": 0, "mode": "realtime"] }
        try expectField("settings.mode") { $0["settings"] = ["fps": 10, "mode": "fast"] }
        try expectField("action_names") { $0["action_names"] = [String]() }
        try expectField("recorded_frames[0]") { $0["recorded_frames"] = [[0, 9]] }
        try expectField("recorded_frames[1]") { $0["recorded_frames"] = [[0, 2], [1, 3]] }
        try expectField("numerics.blas_threads") { $0["numerics"] = ["blas_kernel": "Haswell", "blas_threads": 0] }
        try expectField("numerics.blas_threads") { $0["numerics"] = ["blas_kernel": "Haswell", "blas_threads": 100_000] }
        try expectField("numerics.blas_kernel") { $0["numerics"] = ["blas_kernel": "", "blas_threads": 2] }
        try expectField("numerics.blas_kernel") { $0["numerics"] = ["blas_kernel": "Has\nwell", "blas_threads": 2] }
        try expectField("steps[1].time") { o in
            var steps = o["steps"] as! [[String: Any]]
            steps[1]["time"] = 0.05
            o["steps"] = steps
        }
    }

    func testWorldMismatch() throws {
        let trace = sampleTrace()
        XCTAssertNoThrow(try trace.check(against: FakeWorld(seed: 7)))
        XCTAssertThrowsError(try trace.check(against: FakeWorld(seed: 8), name: "t.json")) { error in
            guard case .worldMismatch? = error as? TraceError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("\"seed\""), "\(error)")
        }
        var other = trace
        other.world.kind = "sim"
        XCTAssertThrowsError(try other.check(against: FakeWorld(seed: 7))) { XCTAssertTrue("\($0)".contains("kind"), "\($0)") }
        other = trace
        other.frame = .init(width: 64, height: 64)
        XCTAssertThrowsError(try other.check(against: FakeWorld(seed: 7))) { XCTAssertTrue("\($0)".contains("64x64"), "\($0)") }
    }
}

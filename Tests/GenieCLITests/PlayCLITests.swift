import Foundation
import GenieMedia
import Platformer
import XCTest

/// End to end: the built `genie` played inside tmux, and its errors when there is no terminal
/// or the trace is malformed.
final class PlayCLITests: XCTestCase {
    /// The built `genie` next to the test bundle.
    var genie: String { GenieExecutable.url.path }

    var workDirectory = ""

    override func setUpWithError() throws {
        workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("genie-cli-\(UUID())").path
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: workDirectory) }

    // MARK: Processes

    /// Runs `executable` with `arguments` to the end; stdout and stderr go to a file (so they
    /// are not a terminal), stdin comes from /dev/null. posix_spawn + waitpid rather than
    /// Foundation's Process: a tmux server forked by the command keeps the descriptors, and
    /// Process was seen never to notice such a command exit.
    @discardableResult
    func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let outputPath = workDirectory + "/.output-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw NSError(domain: "spawn \(executable)", code: Int(spawned)) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), String(decoding: data, as: UTF8.self))
    }

    func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// A tmux server of its own (unique socket) running one session, 140x45 unless told.
    final class Tmux {
        let tmux: String
        let socket = "genie-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        let test: PlayCLITests
        init(tmux: String, test: PlayCLITests, command: String, columns: Int = 140, rows: Int = 45) throws {
            self.tmux = tmux
            self.test = test
            let (status, output) = try test.run(tmux, ["-L", socket, "-f", "/dev/null", "new-session", "-d",
                                                       "-x", String(columns), "-y", String(rows), command])
            XCTAssertEqual(status, 0, "tmux new-session: \(output)")
        }
        deinit { _ = try? test.run(tmux, ["-L", socket, "kill-server"]) }

        func send(_ keys: String...) throws { try test.run(tmux, ["-L", socket, "send-keys"] + keys) }
        func resize(columns: Int, rows: Int) throws {
            try test.run(tmux, ["-L", socket, "resize-window", "-x", String(columns), "-y", String(rows)])
        }
        /// The pane's text with colour escapes (-e).
        func capture() throws -> String { try test.run(tmux, ["-L", socket, "capture-pane", "-p", "-e"]).output }
        func display(_ format: String) throws -> String {
            try test.run(tmux, ["-L", socket, "display-message", "-p", format]).output
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Polls the pane until `condition` holds or `seconds` pass; returns the last capture.
        @discardableResult
        func waitFor(_ what: String, seconds: Double = 10, _ condition: (String) -> Bool) throws -> String {
            let deadline = Date().addingTimeInterval(seconds)
            var text = try capture()
            while !condition(text) {
                guard Date() < deadline else {
                    XCTFail("timed out waiting for \(what); pane:\n\(text)")
                    return text
                }
                usleep(50_000)  // poll interval, not a synchronisation
                text = try capture()
            }
            return text
        }
    }

    /// The picture part of a capture: lines with half-blocks.
    func picture(_ capture: String) -> String {
        capture.split(separator: "\n").filter { $0.contains("▀") }.joined(separator: "\n")
    }

    /// The block characters of the picture in half-block and quadrant modes.
    static let blocks = Set("▀▄▌▐▖▗▘▙▚▛▜▝▞▟█")

    /// The picture lines of a plain capture (no escapes): for each, its number of block cells.
    func pictureWidths(_ capture: String) -> [Int] {
        capture.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.filter { Self.blocks.contains($0) }.count }.filter { $0 > 0 }
    }

    /// The 256-colour numbers (foreground and background) that a captured line (with -e)
    /// draws its picture cells `cells` with (cells counted over the block characters only).
    func paletteColours(_ line: Substring, cells: Range<Int>) -> Set<Int> {
        var result = Set<Int>()
        var foreground: Int?, background: Int?
        var cell = 0
        var rest = line[...]
        while let c = rest.first {
            if c == "\u{1b}", rest.dropFirst().first == "[", let end = rest.firstIndex(of: "m") {
                // An SGR sequence: 38;5;N and 48;5;N set the colours, 0 (or nothing), 39, 49 reset them.
                let parameters = rest[rest.index(rest.startIndex, offsetBy: 2)..<end].split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
                var i = 0
                while i < parameters.count {
                    switch parameters[i] {
                    case 38 where i + 2 < parameters.count && parameters[i + 1] == 5: foreground = parameters[i + 2]; i += 2
                    case 48 where i + 2 < parameters.count && parameters[i + 1] == 5: background = parameters[i + 2]; i += 2
                    case 0: foreground = nil; background = nil
                    case 39: foreground = nil
                    case 49: background = nil
                    default: break
                    }
                    i += 1
                }
                rest = rest[rest.index(after: end)...]
                continue
            }
            if Self.blocks.contains(c) {
                if cells.contains(cell) { result.formUnion([foreground, background].compactMap { $0 }) }
                cell += 1
            }
            rest = rest.dropFirst()
        }
        return result
    }

    /// The shell command tmux runs: genie, then its exit status, then a shell-free wait so the
    /// pane stays to be inspected. NO_COLOR is removed (`swift test` sets it for its children)
    /// unless `noColor`.
    func paneCommand(_ genieArguments: String, term: String = "xterm-256color", noColor: Bool = false) -> String {
        let colour = noColor ? "NO_COLOR=1" : "-u NO_COLOR"
        return "cd '\(workDirectory)' && env \(colour) TERM=\(term) '\(genie)' \(genieArguments); echo GENIE_EXIT=$?; exec cat"
    }

    // MARK: Tests

    func testPlayInTmuxDrawsHalfBlocksMovesOnRightArrowAndQuitRestoresTheTerminal() throws {
        guard let tmux = which("tmux") else { throw XCTSkip("tmux is not installed") }
        let session = try Tmux(tmux: tmux, test: self, command: paneCommand("play --world sim --seed 5 --step"))

        // The pane may be captured while the first frame is still arriving: wait for all of it.
        let first = try session.waitFor("a full 64x32 picture of half-blocks and the HUD") {
            $0.contains("step 0") && self.picture($0).filter { $0 == "▀" }.count >= 64 * 32
        }
        XCTAssertTrue(first.contains("\u{1B}[38;5;") || first.contains("\u{1B}[38;2;"), "coloured cells")
        XCTAssertEqual(try session.display("#{alternate_on}"), "1", "play uses the alternate screen")
        // Step mode: nothing moves without a key.
        XCTAssertEqual(picture(try session.capture()), picture(first))

        try session.send("Right")
        try session.waitFor("step 1 after a right arrow") { $0.contains("step 1") }
        try session.send("Right")
        let moved = try session.waitFor("step 2 after two right arrows") { $0.contains("step 2") }
        XCTAssertNotEqual(picture(moved), picture(first), "the picture changes after the right arrow")
        XCTAssertTrue(moved.contains("right"), "HUD names the action")

        try session.send("q")
        let after = try session.waitFor("genie to exit") { $0.contains("GENIE_EXIT=") }
        XCTAssertTrue(after.contains("GENIE_EXIT=0"), after)
        XCTAssertFalse(after.contains("▀"), "the picture is gone: the terminal is restored")
        XCTAssertEqual(try session.display("#{alternate_on}"), "0", "the alternate screen is left")
    }

    func testPlaysAt80x24AndRelaysOutAt40x12() throws {
        guard let tmux = which("tmux") else { throw XCTSkip("tmux is not installed") }
        let session = try Tmux(tmux: tmux, test: self, command: paneCommand("play --world sim --seed 5 --step"), columns: 80, rows: 24)
        // 64x64 pixels shrink to 46x23 cells above the HUD.
        var text = try session.waitFor("a 46x23 picture and the HUD at 80x24") {
            self.pictureWidths($0) == Array(repeating: 46, count: 23) && $0.contains("step 0") && $0.contains("q quit")
        }
        XCTAssertFalse(text.contains("too small"), text)
        let hud = text.split(separator: "\n").first { $0.contains("step 0") } ?? ""
        XCTAssertLessThan(hud.count, 80, "the HUD fits: \(hud)")
        try session.send("Right")
        text = try session.waitFor("step 1 at 80x24") { $0.contains("step 1") }

        try session.resize(columns: 40, rows: 12)
        text = try session.waitFor("a 22x11 picture at 40x12") {
            self.pictureWidths($0) == Array(repeating: 22, count: 11) && $0.contains("q quit")
        }
        try session.send("Right")
        text = try session.waitFor("step 2 at 40x12") { $0.contains("step 2") && $0.contains("q quit") }
        XCTAssertTrue(text.contains("right"), text)
        try session.send("q")
        let after = try session.waitFor("genie to exit") { $0.contains("GENIE_EXIT=") }
        XCTAssertTrue(after.contains("GENIE_EXIT=0"), after)
    }

    func testStartsAt40x12() throws {
        guard let tmux = which("tmux") else { throw XCTSkip("tmux is not installed") }
        let session = try Tmux(tmux: tmux, test: self, command: paneCommand("play --world sim --seed 2 --step"), columns: 40, rows: 12)
        try session.waitFor("a 22x11 picture and the HUD at 40x12") {
            self.pictureWidths($0) == Array(repeating: 22, count: 11) && $0.contains("step 0") && $0.contains("q quit")
        }
        try session.send("q")
        XCTAssertTrue(try session.waitFor("genie to exit") { $0.contains("GENIE_EXIT=") }.contains("GENIE_EXIT=0"))
    }

    /// The picture rows (cells of `rows` rows over the frame's height) whose part of `frame`
    /// in columns `xs` is one flat colour (every channel within `tolerance` of that part's
    /// first pixel): sky.
    func flatCellRows(_ frame: Frame, rows: Int, xs: Range<Int>, tolerance: Int = 0) -> [Int] {
        (0..<rows).filter { r in
            let top = r * frame.height / rows, bottom = ((r + 1) * frame.height + rows - 1) / rows
            let colour = frame[xs.lowerBound, top]
            func near(_ c: RGB) -> Bool {
                abs(Int(c.r) - Int(colour.r)) <= tolerance && abs(Int(c.g) - Int(colour.g)) <= tolerance && abs(Int(c.b) - Int(colour.b)) <= tolerance
            }
            return (top..<bottom).allSatisfy { y in xs.allSatisfy { near(frame[$0, y]) } }
        }
    }

    /// In 256 colours every picture row that is flat sky in the frame shown (from the level's
    /// left end: at a level's start the camera shows brick left of it) is one colour on
    /// screen, shrunk at 80x24 and at full size at 140x45: for the simulator, and for the
    /// learned world, whose decoded sky wobbles by a few units around a palette boundary
    /// (nearest-colour mapping speckled it). The learned world's rows are those of its own
    /// frame 0 (the tokenizer's reconstruction of the same start) within 6 units of flat: a
    /// decoded speck of 10 or more units is drawn, as the colour mapper promises.
    func testFlatSkyRowsAreOneColourIn256Colours() throws {
        guard let tmux = which("tmux") else { throw XCTSkip("tmux is not installed") }
        let seed: UInt64 = 0
        let simulator = try PlatformerWorld(seed: seed)
        var worlds: [(name: String, frame: Frame, tolerance: Int)] = [("sim", try simulator.reset(seed: seed), 0)]
        // At a level's start the camera shows brick left of the level: rows are sky from there
        // (from a patch further on in the learned world, whose decoder blurs the edge).
        let levelStart = max(0, -simulator.game.cameraX(simulator.state)) + 4
        // genie play finds the repository's weights/ from any folder.
        let weights = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("weights").path
        if FileManager.default.fileExists(atPath: weights + "/tokenizer.safetensors") {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("genie-sky-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let (status, output) = try GenieExecutable.run(["generate", "--weights", weights, "--seed", String(seed), "--actions", "noop", "--out", out])
            XCTAssertEqual(status, 0, output)
            worlds.append(("model", try PNG.read(out + "/frame_00000.png"), 6))
        }
        for (columns, rows, pictureColumns, pictureRows) in [(80, 24, 46, 23), (140, 45, 64, 32)] {
            let top = (rows - 1 - pictureRows) / 2
            for (world, frame, tolerance) in worlds {
                let xs = levelStart..<frame.width
                // The picture cells drawn from xs alone (one column's margin for the area filter).
                let cells = ((xs.lowerBound + 1) * pictureColumns + frame.width - 1) / frame.width..<pictureColumns
                let flat = flatCellRows(frame, rows: pictureRows, xs: xs, tolerance: tolerance)
                XCTAssertGreaterThanOrEqual(flat.count, 3, "\(world): the start frame has sky")
                let session = try Tmux(tmux: tmux, test: self, command: paneCommand("play --world \(world) --seed \(seed) --step"),
                                       columns: columns, rows: rows)
                let text = try session.waitFor("the \(world) picture at \(columns)x\(rows)", seconds: 60) {
                    $0.contains("step 0") && self.pictureWidths($0) == Array(repeating: pictureColumns, count: pictureRows)
                }
                XCTAssertFalse(text.contains("38;2;"), "256 colours, not true colour")
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                for row in flat where top + row < lines.count {
                    let colours = paletteColours(lines[top + row], cells: cells)
                    XCTAssertEqual(colours.count, 1, "\(world) at \(columns)x\(rows): sky row \(row) shows \(colours.sorted())")
                }
                try session.send("q")
                try session.waitFor("genie to exit") { $0.contains("GENIE_EXIT=0") }
            }
        }
    }

    func testDumbTerminalGetsAClearMessageAndIsLeftAsItWas() throws {
        guard let tmux = which("tmux") else { throw XCTSkip("tmux is not installed") }
        let session = try Tmux(tmux: tmux, test: self, command: paneCommand("play --world sim", term: "dumb"), columns: 80, rows: 24)
        let after = try session.waitFor("genie to exit") { $0.contains("GENIE_EXIT=") }
        XCTAssertTrue(after.replacingOccurrences(of: "\n", with: "").contains("cannot move the cursor"), after)
        XCTAssertFalse(after.contains("GENIE_EXIT=0"), after)
        XCTAssertFalse(after.contains("GENIE_EXIT=132") || after.contains("Fatal") || after.contains("Illegal"), after)
        XCTAssertEqual(try session.display("#{alternate_on}"), "0", "never left on the alternate screen")
        XCTAssertEqual(try session.display("#{cursor_flag}"), "1", "the cursor is visible")
        XCTAssertEqual(after.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count, 1, "one error: \(after)")
    }

    func testRealTimeRecordingInTmuxReplaysToTheSamePNGs() throws {
        guard let tmux = which("tmux") else { throw XCTSkip("tmux is not installed") }
        let recording = workDirectory + "/rec"
        let session = try Tmux(tmux: tmux, test: self, command: paneCommand("play --world sim --seed 9 --fps 20 --record rec"))
        try session.waitFor("recording HUD") { $0.contains("REC") && $0.contains("▀") }
        try session.send("Right")
        try session.waitFor("a few steps") { text in
            guard let r = text.range(of: "step ") else { return false }
            return Int(text[r.upperBound...].prefix { $0.isNumber }).map { $0 >= 15 } ?? false
        }
        try session.send("Escape")
        let after = try session.waitFor("genie to exit") { $0.contains("GENIE_EXIT=") }
        XCTAssertTrue(after.contains("GENIE_EXIT=0"), after)

        let recorded = try FileManager.default.contentsOfDirectory(atPath: recording).filter { $0.hasSuffix(".png") }.sorted()
        XCTAssertGreaterThanOrEqual(recorded.count, 16)
        XCTAssertEqual(recorded.first, "frame_00000.png")
        let trace = try String(contentsOfFile: recording + "/trace.json", encoding: .utf8)
        XCTAssertTrue(trace.contains("\"KEY_RIGHT\""), "the right arrow is in the trace")

        let replayed = workDirectory + "/replayed"
        let (status, output) = try run(genie, ["replay", recording + "/trace.json", "--out", replayed])
        XCTAssertEqual(status, 0, output)
        for name in recorded {
            let a = try Data(contentsOf: URL(fileURLWithPath: recording + "/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: replayed + "/" + name))
            XCTAssertEqual(a, b, "\(name) replays byte for byte")
        }
    }

    func testCtrlCRestoresTheTerminalAndSavesTheRecording() throws {
        guard let tmux = which("tmux") else { throw XCTSkip("tmux is not installed") }
        let session = try Tmux(tmux: tmux, test: self, command: paneCommand("play --world sim --seed 2 --record rec"))
        try session.waitFor("recording HUD") { $0.contains("REC") && $0.contains("step 3") }
        try session.send("C-c")
        let after = try session.waitFor("genie to exit") { $0.contains("GENIE_EXIT=") }
        XCTAssertTrue(after.contains("GENIE_EXIT=130"), after)
        XCTAssertFalse(after.contains("▀"))
        XCTAssertEqual(try session.display("#{alternate_on}"), "0")
        XCTAssertTrue(FileManager.default.fileExists(atPath: workDirectory + "/rec/trace.json"), "recording flushed")
    }

    func testPlayWithoutATerminalFailsClearly() throws {
        let (status, output) = try run(genie, ["play", "--world", "sim"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("not a terminal"), output)
    }

    func testReplayOfMalformedTracesFailsClearly() throws {
        let cases: [(String, String)] = [
            ("{\"version\": 1,", "not valid JSON"),
            ("{\"format\": \"genie-trace\", \"version\": 7}", "version 7"),
            ("{\"format\": \"genie-trace\", \"version\": 1}", "missing the field \"world\""),
            (validTrace(kind: "dream", identity: "{\"weights\": \"abc\"}", action: 0), "cannot build"),
            (validTrace(kind: "model", identity: "{\"tokenizer\": \"abc\"}", action: 0), "needs \"iterations\""),
            (validTrace(kind: "sim", identity: "{\"seed\": \"3\"}", action: 0), "identity \"theme\""),
            (validTrace(kind: "sim", identity: "{\"seed\": \"3\", \"theme\": \"moon\"}", action: 0), "unknown theme"),
            (validTrace(kind: "sim", identity: "{\"seed\": \"3\"}", action: 9), "outside 0…5"),
        ]
        for (i, (text, expected)) in cases.enumerated() {
            let path = workDirectory + "/bad\(i).json"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let (status, output) = try run(genie, ["replay", path, "--out", workDirectory + "/out\(i)"])
            XCTAssertNotEqual(status, 0, text)
            XCTAssertTrue(output.contains(expected), "expected \"\(expected)\" in: \(output)")
            XCTAssertFalse(output.contains("Fatal error"), output)
        }
        let (status, output) = try run(genie, ["replay", workDirectory + "/nothing.json", "--out", workDirectory + "/o"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("trace not found"), output)
    }

    func validTrace(kind: String, identity: String, action: Int) -> String {
        """
        {"format": "genie-trace", "version": 1, "world": {"kind": "\(kind)", "identity": \(identity)},
         "frame": {"width": 64, "height": 64}, "seed": 3,
         "action_names": ["noop", "left", "right", "jump", "left+jump", "right+jump"],
         "settings": {"fps": 10, "mode": "realtime"},
         "steps": [{"action": \(action), "control": "right", "key": "KEY_RIGHT", "time": 0.1}],
         "recorded_frames": [[0, 1]]}
        """
    }
}

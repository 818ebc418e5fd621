import Foundation
import XCTest
import GenieMedia
import GenieModels
import GenieTensor

/// Footage and prompts of any size through the command line: `genie data import`, a prompt
/// that is not the model's size, a contact sheet of another game's frames.
final class FootageCLITests: XCTestCase {
    var directory = ""

    func run(_ arguments: [String], environment: [String: String]? = nil) throws -> (Int32, String) {
        try GenieExecutable.run(arguments, in: directory, environment: environment)
    }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("genie-footage-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func testPromptOfAnotherSizeIsScaledToTheModel() throws {
        try GenerateCLITests.saveTinyWeights(directory + "/weights")
        // 24x16 noise: centre-cropped to 16x16, then averaged to the model's 8x8.
        var g = RandomGenerator(seed: 9)
        try PNG.write(Frame(width: 24, height: 16, pixels: (0..<(24 * 16 * 3)).map { _ in UInt8(g.nextInt(256)) }), to: directory + "/wide.png")
        let (status, output) = try run(["generate", "--prompt", "wide.png", "--actions", "0,1", "--seed", "3", "--out", "out"])
        XCTAssertEqual(status, 0, output)
        let frame = try PNG.read(directory + "/out/frame_00002.png")
        XCTAssertEqual([frame.width, frame.height], [8, 8])
    }

    func testContactSheetOfFootage() throws {
        for (episode, size) in [(0, 100), (1, 30)] {
            let folder = directory + "/data/ep\(episode)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for t in 0..<3 { try PNG.write(Frame(width: size, height: size, fill: RGB(200, 0, UInt8(t))), to: folder + "/frame_0000\(t).png") }
        }
        let (status, output) = try run(["data", "contact-sheet", "--data", "data", "--frame-size", "16", "--scale", "1", "--out", "sheet.png"])
        XCTAssertEqual(status, 0, output)
        let sheet = try PNG.read(directory + "/sheet.png")
        XCTAssertEqual([sheet.width, sheet.height], [8 * 18 + 2, 2 * 18 + 2])
        XCTAssertEqual(sheet[2 + 5, 2 + 5], RGB(200, 0, 0))
    }

    func testImportVideoThroughFFmpeg() throws {
        guard let ffmpeg = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw XCTSkip("ffmpeg is not installed (CI installs it)")
        }
        let make = Process()
        make.executableURL = URL(fileURLWithPath: ffmpeg)
        make.arguments = ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "1", directory + "/clip.gif"]
        try make.run(); make.waitUntilExit()
        XCTAssertEqual(make.terminationStatus, 0)
        var (status, output) = try run(["data", "import", "clip.gif", "--out", "episodes/ep0", "--fps", "5", "--frame-size", "32x24"])
        XCTAssertEqual(status, 0, output)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory + "/episodes/ep0").sorted()
        XCTAssertEqual(names, (0..<5).map { String(format: "frame_%05d.png", $0) })
        let frame = try PNG.read(directory + "/episodes/ep0/frame_00000.png")
        XCTAssertEqual([frame.width, frame.height], [32, 24])
        // A used folder is refused; --force replaces the frames.
        (status, output) = try run(["data", "import", "clip.gif", "--out", "episodes/ep0"])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(output.contains("is not empty (pass --force"), output)
        (status, output) = try run(["data", "import", "clip.gif", "--out", "episodes/ep0", "--fps", "2", "--force"])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory + "/episodes/ep0").count, 2)
        // Not a video: one line from ffmpeg's complaint.
        try Data("junk".utf8).write(to: URL(fileURLWithPath: directory + "/junk.mp4"))
        (status, output) = try run(["data", "import", "junk.mp4", "--out", "episodes/ep1"])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(output.hasPrefix("Error: ffmpeg could not read junk.mp4"), output)
    }

    func testImportWithoutFFmpegSaysHowToGetIt() throws {
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/clip.mp4"))
        let (status, output) = try run(["data", "import", "clip.mp4", "--out", "ep"], environment: ["PATH": directory + "/empty-bin"])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(output.contains("needs ffmpeg, which is not on PATH (Debian/Ubuntu: sudo apt-get install ffmpeg)"), output)
    }
}

import Foundation
import XCTest
@testable import GenieMedia

final class PNGTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    /// The picture every fixture holds (see tools/make_png_fixtures.py).
    let reference: [[RGB]] = [
        [RGB(255, 0, 0), RGB(0, 255, 0), RGB(0, 0, 255), RGB(255, 255, 255)],
        [RGB(0, 0, 0), RGB(128, 128, 128), RGB(255, 255, 0), RGB(10, 20, 30)],
        [RGB(200, 100, 50), RGB(0, 255, 255), RGB(255, 0, 255), RGB(64, 64, 64)],
    ]

    func assertPicture(_ frame: Frame, grey: Bool, tolerance: Int = 0, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(frame.width, 4, file: file, line: line)
        XCTAssertEqual(frame.height, 3, file: file, line: line)
        for y in 0..<3 {
            for x in 0..<4 {
                let want = grey ? RGB(reference[y][x].g, reference[y][x].g, reference[y][x].g) : reference[y][x]
                let got = frame[x, y]
                XCTAssertLessThanOrEqual(abs(Int(got.r) - Int(want.r)) + abs(Int(got.g) - Int(want.g)) + abs(Int(got.b) - Int(want.b)), tolerance,
                                         "pixel (\(x),\(y)) \(got) != \(want)", file: file, line: line)
            }
        }
    }

    func testReadsEveryColourTypeAsRGB() throws {
        for name in ["rgb8", "rgba8", "palette8", "rgb16"] {
            assertPicture(try PNG.read("\(fixtures)/\(name).png"), grey: false)
        }
        for name in ["grey8", "greyalpha8", "grey16"] {
            assertPicture(try PNG.read("\(fixtures)/\(name).png"), grey: true)
        }
    }

    func testAlphaIsCompositedOverBlack() throws {
        let frame = try PNG.read("\(fixtures)/rgba_half.png")
        let p = frame[0, 0]
        // 50 % coverage of (200, 100, 50) over black, within libpng's rounding.
        XCTAssertEqual(Double(p.r), 100, accuracy: 3)
        XCTAssertEqual(Double(p.g), 50, accuracy: 3)
        XCTAssertEqual(Double(p.b), 25, accuracy: 3)
    }

    func testRoundTripIsExactAndDeterministic() throws {
        var frame = Frame(width: 7, height: 5)
        for y in 0..<5 { for x in 0..<7 { frame[x, y] = RGB(UInt8(x * 30), UInt8(y * 50), UInt8((x * y * 13) % 256)) } }
        let path = NSTemporaryDirectory() + "genie-png-\(UUID().uuidString).png"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PNG.write(frame, to: path)
        XCTAssertEqual(try PNG.read(path), frame)
        XCTAssertEqual(try PNG.encode(frame), try PNG.encode(frame))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), try PNG.encode(frame))
    }

    func testBadFilesGiveClearErrors() {
        XCTAssertThrowsError(try PNG.read("\(fixtures)/missing.png")) {
            XCTAssertEqual($0 as? PNGError, .fileNotFound("\(fixtures)/missing.png"))
        }
        XCTAssertThrowsError(try PNG.read("/dev/zero")) {
            XCTAssertEqual($0 as? PNGError, .unreadable("/dev/zero", reason: "a device, not a regular file"))
        }
        XCTAssertThrowsError(try PNG.read("\(fixtures)/not_a_png.png")) {
            XCTAssertEqual($0 as? PNGError, .notPNG("\(fixtures)/not_a_png.png"))
        }
        var reasons: [String] = []
        for name in ["truncated", "corrupt"] {
            XCTAssertThrowsError(try PNG.read("\(fixtures)/\(name).png")) { error in
                guard case .corrupt(let path, let reason)? = error as? PNGError else { return XCTFail("\(name): \(error)") }
                XCTAssertEqual(path, "\(fixtures)/\(name).png")
                XCTAssertTrue("\(error)".hasPrefix("corrupt or truncated PNG \(fixtures)/\(name).png: "), "\(error)")
                reasons.append(reason)
            }
        }
        XCTAssertEqual(Set(reasons).count, 2, "a cut file and a damaged byte are told apart: \(reasons)")
    }
}

import Foundation
import XCTest
@testable import GenieMedia
import GenieTensor

/// Damaged PNGs: each gives a `PNGError` or decodes to the original picture (a change libpng
/// tolerates, such as one in an ancillary chunk's checksum, must not change a pixel).
final class PNGFuzzTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    func testDamagedPNGsFailCleanlyOrDecodeToTheOriginal() throws {
        var g = RandomGenerator(seed: 16)
        var originals: [(String, Data, Frame)] = []
        for name in ["rgb8", "rgba8", "palette8", "rgb16", "grey8", "greyalpha8", "grey16"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/\(name).png"))
            originals.append((name, data, try PNG.decode(data)))
        }
        let noisy = Frame(width: 40, height: 24, pixels: (0..<(40 * 24 * 3)).map { _ in UInt8(g.nextInt(256)) })
        originals.append(("noise 40x24", try PNG.encode(noisy), noisy))
        var errors = 0, intact = 0
        let start = Date()
        for i in 0..<4000 {
            let (name, data, frame) = originals[i % originals.count]
            var bytes = [UInt8](data)
            let at = g.nextInt(bytes.count)
            let mutation: String
            switch g.nextInt(5) {
            case 0: bytes[at] ^= UInt8(1 << g.nextInt(8)); mutation = "bit flip at \(at)"
            case 1: bytes[at] = UInt8(g.nextInt(256)); mutation = "byte \(at) replaced"
            case 2: bytes.insert(UInt8(g.nextInt(256)), at: at); mutation = "byte inserted at \(at)"
            case 3: bytes.remove(at: at); mutation = "byte \(at) deleted"
            default: bytes = Array(bytes.prefix(at)); mutation = "cut to \(at) bytes"
            }
            do {
                let decoded = try PNG.decode(Data(bytes), name: "case\(i)")
                XCTAssertEqual(decoded.width, frame.width, "\(name), \(mutation)")
                XCTAssertEqual(decoded.height, frame.height, "\(name), \(mutation)")
                XCTAssertEqual(decoded.pixels, frame.pixels, "\(name), \(mutation): decoded to other pixels")
                intact += 1
            } catch let error as PNGError {
                errors += 1
                XCTAssertTrue(error.description.contains("case\(i)"), "\(error)")
            }
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
        print("PNG fuzz: 4000 cases, \(errors) clean errors, \(intact) decoded to the original picture, 0 crashes")
    }
}

import GenieMedia
import XCTest
@testable import GenieTerminal

final class PaletteTests: XCTestCase {
    func distance(_ a: RGB, _ b: RGB) -> Int {
        let dr = Int(a.r) - Int(b.r), dg = Int(a.g) - Int(b.g), db = Int(a.b) - Int(b.b)
        return dr * dr + dg * dg + db * db
    }

    func testPaletteValues() {
        XCTAssertEqual(Palette256.rgb(of: 16), RGB(0, 0, 0))
        XCTAssertEqual(Palette256.rgb(of: 196), RGB(255, 0, 0))
        XCTAssertEqual(Palette256.rgb(of: 231), RGB(255, 255, 255))
        XCTAssertEqual(Palette256.rgb(of: 67), RGB(95, 135, 175))
        XCTAssertEqual(Palette256.rgb(of: 232), RGB(8, 8, 8))
        XCTAssertEqual(Palette256.rgb(of: 255), RGB(238, 238, 238))
    }

    func testExactPaletteColoursMapToThemselves() {
        for index in 16...255 {
            XCTAssertEqual(Palette256.nearestIndex(Palette256.rgb(of: index)), index, "index \(index)")
        }
    }

    func testGreysMapToTheGreyRamp() {
        for v in [8, 28, 30, 50, 70, 128, 150, 200, 230, 238] {
            let index = Palette256.nearestIndex(RGB(UInt8(v), UInt8(v), UInt8(v)))
            XCTAssertTrue((232...255).contains(index), "grey \(v) -> \(index)")
            XCTAssertEqual(Int(Palette256.rgb(of: index).r), 8 + 10 * ((v - 8 + 5) / 10), "grey \(v)")
        }
        XCTAssertEqual(Palette256.nearestIndex(RGB(128, 128, 128)), 244)
        // Black and white are cube corners.
        XCTAssertEqual(Palette256.nearestIndex(RGB(0, 0, 0)), 16)
        XCTAssertEqual(Palette256.nearestIndex(RGB(255, 255, 255)), 231)
    }

    func testNearestMatchesBruteForceInOklab() {
        var checked = 0
        for r in stride(from: 0, through: 255, by: 17) {
            for g in stride(from: 0, through: 255, by: 15) {
                for b in stride(from: 0, through: 255, by: 19) {
                    let c = RGB(UInt8(r), UInt8(g), UInt8(b))
                    let lab = Oklab(c)
                    let best = (16...255).map { lab.distance(Oklab(Palette256.rgb(of: $0))) }.min()!
                    XCTAssertEqual(lab.distance(Oklab(Palette256.rgb(of: Palette256.nearestIndex(c)))), best, "\(c)")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 3_000)
    }

    func testPerceptualMappingKeepsHue() {
        // RGB distance sends this dusk blue to a grey (it is near the grey axis in RGB); Oklab keeps it blue.
        let duskBlue = RGB(96, 112, 150)
        let index = Palette256.nearestIndex(duskBlue)
        let mapped = Palette256.rgb(of: index)
        XCTAssertTrue((16...231).contains(index), "a cube colour, not the grey ramp: \(index)")
        XCTAssertGreaterThan(Int(mapped.b), Int(mapped.r), "still blue: \(mapped)")
        XCTAssertEqual(ColorMode.ansi16.colorNumber(RGB(250, 10, 10)), 9, "bright red")
        XCTAssertEqual(ColorMode.ansi16.colorNumber(RGB(120, 120, 120)), 8, "dark grey")
        XCTAssertEqual(ColorMode.monochrome.colorNumber(RGB(1, 2, 3)), -1)
    }

    func testDirectColourNumbers() {
        XCTAssertEqual(ColorMode.direct.colorNumber(RGB(0x12, 0x34, 0x56)), 0x123456)
        XCTAssertEqual(ColorMode.direct.colorNumber(RGB(255, 255, 255)), 0xFFFFFF)
        // Values below 8 would be sent as ANSI colours by xterm-direct.
        XCTAssertEqual(ColorMode.direct.colorNumber(RGB(0, 0, 0)), 8)
        XCTAssertEqual(ColorMode.palette256.colorNumber(RGB(255, 0, 0)), 196)
        XCTAssertEqual(ColorMode.ansi8.colorNumber(RGB(250, 10, 10)), 1)
    }
}

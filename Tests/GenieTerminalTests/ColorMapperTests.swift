import GenieMedia
import XCTest
@testable import GenieTerminal

/// Palette mapping of whole pictures: flat areas stay one colour from cell to cell and frame
/// to frame, even when their pixels wobble around the midpoint between two palette entries.
final class ColorMapperTests: XCTestCase {
    /// A flat-looking row: each cell a unit or two either side of `base`.
    func wobblyRow(_ base: RGB, columns: Int, seed: Int) -> CellPicture {
        var f = Frame(width: columns, height: 2)
        for x in 0..<columns {
            for y in 0..<2 {
                let d = ((x * 7 + y * 3 + seed * 5) % 5) - 2
                f[x, y] = RGB(UInt8(Int(base.r) + d), UInt8(Int(base.g) + d), UInt8(Int(base.b) + d))
            }
        }
        return CellPicture(frame: f, columns: columns, rows: 1)
    }

    /// A grey just between two ramp steps, where nearest mapping alone flips.
    let boundary = RGB(131, 131, 131)

    func testNearestMappingAloneWouldSpeckle() {
        let picture = wobblyRow(boundary, columns: 40, seed: 0)
        let nearest = Set(picture.cells.flatMap { [ColorMode.palette256.colorNumber($0.foreground), ColorMode.palette256.colorNumber($0.background)] })
        XCTAssertGreaterThan(nearest.count, 1, "the test row straddles a palette boundary")
    }

    func testFlatRowIsOneColourAndStaysSo() {
        for mode in [ColorMode.palette256, .ansi16] {
            let mapper = ColorMapper(mode: mode)
            var firstColour: Int32?
            for frame in 0..<6 {
                let cells = mapper.map(wobblyRow(boundary, columns: 40, seed: frame))
                let colours = Set(cells.flatMap { [$0.foreground, $0.background] })
                XCTAssertEqual(colours.count, 1, "\(mode) frame \(frame): \(colours)")
                if frame == 0 { firstColour = colours.first } else { XCTAssertEqual(colours.first, firstColour, "\(mode) frame \(frame)") }
            }
        }
    }

    func testOutliersInAFlatAreaTakeTheAreasColourButFeaturesStay() {
        // The learned world's horizon: sky (140,185,254) with decoder outliers twenty units off,
        // whose nearest entry (110) differs from the sky's (111); and one white cloud pixel.
        var f = Frame(width: 24, height: 2, fill: RGB(140, 185, 254))
        f[5, 0] = RGB(150, 185, 230); f[11, 1] = RGB(140, 185, 230); f[17, 0] = RGB(135, 180, 235)
        f[20, 1] = RGB(255, 255, 255)
        XCTAssertEqual(Palette256.nearestIndex(RGB(150, 185, 230)), 110, "the outlier alone would change colour")
        let cells = ColorMapper(mode: .palette256).map(CellPicture(frame: f, columns: 24, rows: 1))
        XCTAssertEqual(Set(cells.enumerated().filter { $0.offset != 20 }.flatMap { [$0.element.foreground, $0.element.background] }), [111])
        XCTAssertEqual(cells[20].background, 231, "a real feature keeps its colour")
    }

    func testRealChangesStillShow() {
        let mapper = ColorMapper(mode: .palette256)
        let grey = Set(mapper.map(wobblyRow(boundary, columns: 8, seed: 0)).map(\.foreground))
        let blue = Set(mapper.map(wobblyRow(RGB(40, 90, 200), columns: 8, seed: 1)).map(\.foreground))
        XCTAssertEqual(blue.count, 1)
        XCTAssertTrue(grey.isDisjoint(with: blue), "the sky turned blue: \(grey) then \(blue)")
        XCTAssertGreaterThan(Int(Palette256.rgb(of: Int(blue.first!)).b), 150)
    }

    func testNeverMuchWorseThanNearest() {
        let mapper = ColorMapper(mode: .palette256)
        var f = Frame(width: 32, height: 32)
        for y in 0..<32 { for x in 0..<32 { f[x, y] = RGB(UInt8(x * 8), UInt8(y * 8), UInt8((x + y) * 4)) } }
        let picture = CellPicture(frame: f, columns: 32, rows: 16)
        let cells = mapper.map(picture)
        for (cell, mapped) in zip(picture.cells, cells) {
            for (rgb, number) in [(cell.foreground, mapped.foreground), (cell.background, mapped.background)] {
                let lab = Oklab(rgb)
                let best = lab.distance(Oklab(Palette256.rgb(of: Palette256.nearestIndex(rgb))))
                XCTAssertLessThanOrEqual(lab.distance(Oklab(Palette256.rgb(of: Int(number)))), best + mapper.flatMargin + 1e-6, "\(rgb)")
            }
        }
    }

    func testDirectAndMonochrome() {
        let picture = CellPicture(frame: Frame(width: 2, height: 2, fill: RGB(18, 52, 86)), columns: 2, rows: 1)
        XCTAssertEqual(ColorMapper(mode: .direct).map(picture)[0], TerminalCell(glyph: 0x2580, foreground: 0x123456, background: 0x123456))
        let dark = ColorMapper(mode: .monochrome).map(CellPicture(frame: Frame(width: 1, height: 2, fill: RGB(0, 0, 0)), columns: 1, rows: 1))
        let light = ColorMapper(mode: .monochrome).map(CellPicture(frame: Frame(width: 1, height: 2, fill: RGB(255, 255, 255)), columns: 1, rows: 1))
        XCTAssertEqual(dark[0], TerminalCell(glyph: 0x20, foreground: -1, background: -1), "black is a space")
        XCTAssertEqual(light[0], TerminalCell(glyph: UInt32(UInt8(ascii: "@")), foreground: -1, background: -1), "white is the densest")
    }
}

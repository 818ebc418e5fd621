import GenieMedia
import XCTest
@testable import GenieTerminal

/// Known frames render to known cells: half blocks at integer scales (upper pixel =
/// foreground, lower = background), area averages when shrunk, two-colour quadrant and
/// sextant cells.
final class CellPictureTests: XCTestCase {
    /// A 2x4 frame whose every pixel has its own colour: pixel (x, y) = (10x+1, 10y+1, 7).
    func frame2x4() -> Frame {
        var f = Frame(width: 2, height: 4)
        for y in 0..<4 { for x in 0..<2 { f[x, y] = color(x, y) } }
        return f
    }
    func color(_ x: Int, _ y: Int) -> RGB { RGB(UInt8(10 * x + 1), UInt8(10 * y + 1), 7) }
    func half(_ top: RGB, _ bottom: RGB) -> PictureCell { PictureCell(foreground: top, background: bottom) }

    func testScale1() {
        let picture = CellPicture(frame: frame2x4(), columns: 2, rows: 2)
        for row in 0..<2 {
            for x in 0..<2 {
                XCTAssertEqual(picture[x, row], half(color(x, 2 * row), color(x, 2 * row + 1)), "cell \(x),\(row)")
            }
        }
    }

    func testScale2RepeatsPixelsExactly() {
        let picture = CellPicture(frame: frame2x4(), columns: 4, rows: 4)
        for row in 0..<4 {
            for column in 0..<4 {
                let c = color(column / 2, row)
                XCTAssertEqual(picture[column, row], half(c, c), "cell \(column),\(row)")
            }
        }
    }

    func testScale3MixesRowsWithinACell() {
        let picture = CellPicture(frame: frame2x4(), columns: 6, rows: 6)
        // Cell row 1 covers scaled rows 2 and 3: source rows 0 and 1.
        XCTAssertEqual(picture[0, 1], half(color(0, 0), color(0, 1)))
        XCTAssertEqual(picture[5, 1], half(color(1, 0), color(1, 1)))
    }

    func testOddPixelHeightLeavesBlackLowerHalf() {
        var f = Frame(width: 1, height: 3, fill: RGB(9, 9, 9))
        f[0, 2] = RGB(200, 100, 50)
        let picture = CellPicture(frame: f, columns: 1, rows: 2, pixelHeight: 3)
        XCTAssertEqual(picture[0, 1], half(RGB(200, 100, 50), RGB(0, 0, 0)))
    }

    func testShrinkingAveragesAreas() {
        // 4x4 into 2x1 half-block cells: every pixel of the result is the mean of a 2x2 block.
        var f = Frame(width: 4, height: 4, fill: RGB(0, 0, 0))
        f[0, 0] = RGB(200, 0, 0); f[1, 1] = RGB(200, 0, 0)   // top-left block: two red of four
        for y in 2..<4 { for x in 2..<4 { f[x, y] = RGB(0, 0, 240) } }  // bottom-right block: blue
        let picture = CellPicture(frame: f, columns: 2, rows: 1)
        XCTAssertEqual(picture[0, 0], half(RGB(100, 0, 0), RGB(0, 0, 0)))
        XCTAssertEqual(picture[1, 0], half(RGB(0, 0, 0), RGB(0, 0, 240)))
    }

    func testFractionalShrinkWeighsPartialPixels() {
        // 3 pixels into 2: the middle pixel is split half and half.
        var f = Frame(width: 3, height: 2, fill: RGB(0, 0, 0))
        f[1, 0] = RGB(90, 90, 90); f[1, 1] = RGB(90, 90, 90)
        let pixels = f.resampled(to: FrameSize(width: 2, height: 2))
        XCTAssertEqual(pixels[0, 0], RGB(30, 30, 30))
        XCTAssertEqual(pixels[1, 0], RGB(30, 30, 30))
    }

    func testQuadrantCellSplitsIntoTwoColours() {
        // 2x2 frame, left column red, right column blue: one quadrant cell ▌ red on blue.
        var f = Frame(width: 2, height: 2, fill: RGB(0, 0, 255))
        f[0, 0] = RGB(255, 0, 0); f[0, 1] = RGB(255, 0, 0)
        let picture = CellPicture(frame: f, columns: 1, rows: 1, glyphs: .quadrant)
        XCTAssertEqual(picture[0, 0], PictureCell(glyph: 0x258C, foreground: RGB(255, 0, 0), background: RGB(0, 0, 255)))
        // Only the bottom-right differs: ▛ (top-left group) over the odd one.
        var g = Frame(width: 2, height: 2, fill: RGB(10, 20, 30))
        g[1, 1] = RGB(250, 250, 250)
        XCTAssertEqual(CellPicture(frame: g, columns: 1, rows: 1, glyphs: .quadrant)[0, 0],
                       PictureCell(glyph: 0x259B, foreground: RGB(10, 20, 30), background: RGB(250, 250, 250)))
        // A flat cell is ▀ in one colour, as in half-block mode.
        XCTAssertEqual(CellPicture(frame: Frame(width: 2, height: 2, fill: RGB(5, 6, 7)), columns: 1, rows: 1, glyphs: .quadrant)[0, 0],
                       half(RGB(5, 6, 7), RGB(5, 6, 7)))
    }

    func testSextantCharacters() {
        XCTAssertEqual(GlyphMode.character(1, mode: .sextant), 0x1FB00)   // sextant-1
        XCTAssertEqual(GlyphMode.character(62, mode: .sextant), 0x1FB3B)  // sextant-23456, the last
        XCTAssertEqual(GlyphMode.character(21, mode: .sextant), 0x258C)   // left half has its own character
        XCTAssertEqual(GlyphMode.character(63, mode: .sextant), 0x2588)
        // 2x3 frame, top row white on black: sextant-12.
        var f = Frame(width: 2, height: 3, fill: RGB(0, 0, 0))
        f[0, 0] = RGB(255, 255, 255); f[1, 0] = RGB(255, 255, 255)
        let cell = CellPicture(frame: f, columns: 1, rows: 1, glyphs: .sextant)[0, 0]
        XCTAssertEqual(cell, PictureCell(glyph: 0x1FB02, foreground: RGB(255, 255, 255), background: RGB(0, 0, 0)))
    }
}

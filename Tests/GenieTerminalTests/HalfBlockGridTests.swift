import GenieMedia
import XCTest
@testable import GenieTerminal

/// A known frame renders to known cells: upper pixel = foreground, lower pixel = background.
final class HalfBlockGridTests: XCTestCase {
    /// A 2x4 frame whose every pixel has its own colour: pixel (x, y) = (10x+1, 10y+1, 7).
    func frame2x4() -> Frame {
        var f = Frame(width: 2, height: 4)
        for y in 0..<4 { for x in 0..<2 { f[x, y] = color(x, y) } }
        return f
    }
    func color(_ x: Int, _ y: Int) -> RGB { RGB(UInt8(10 * x + 1), UInt8(10 * y + 1), 7) }

    func testScale1() {
        let grid = HalfBlockGrid(frame: frame2x4(), scale: 1)
        XCTAssertEqual(grid.columns, 2)
        XCTAssertEqual(grid.rows, 2)
        for row in 0..<2 {
            for x in 0..<2 {
                XCTAssertEqual(grid[x, row], HalfBlockCell(top: color(x, 2 * row), bottom: color(x, 2 * row + 1)), "cell \(x),\(row)")
            }
        }
    }

    func testScale2() {
        let grid = HalfBlockGrid(frame: frame2x4(), scale: 2)
        XCTAssertEqual(grid.columns, 4)
        XCTAssertEqual(grid.rows, 4)
        // Each pixel is a 2x2 block: a cell covers two scaled rows of one source row.
        for row in 0..<4 {
            for column in 0..<4 {
                let c = color(column / 2, row)
                XCTAssertEqual(grid[column, row], HalfBlockCell(top: c, bottom: c), "cell \(column),\(row)")
            }
        }
    }

    func testScale3MixesRowsWithinACell() {
        let grid = HalfBlockGrid(frame: frame2x4(), scale: 3)
        XCTAssertEqual(grid.columns, 6)
        XCTAssertEqual(grid.rows, 6)  // 12 scaled rows
        // Cell row 1 covers scaled rows 2 and 3: source rows 0 and 1.
        XCTAssertEqual(grid[0, 1], HalfBlockCell(top: color(0, 0), bottom: color(0, 1)))
        XCTAssertEqual(grid[5, 1], HalfBlockCell(top: color(1, 0), bottom: color(1, 1)))
    }

    func testOddHeightLeavesBlackLowerHalf() {
        var f = Frame(width: 1, height: 3, fill: RGB(9, 9, 9))
        f[0, 2] = RGB(200, 100, 50)
        let grid = HalfBlockGrid(frame: f, scale: 1)
        XCTAssertEqual(grid.rows, 2)
        XCTAssertEqual(grid[0, 1], HalfBlockCell(top: RGB(200, 100, 50), bottom: RGB(0, 0, 0)))
    }

    func testStandardFrameSize() {
        XCTAssertEqual(HalfBlockGrid.size(width: 64, height: 64, scale: 1).columns, 64)
        XCTAssertEqual(HalfBlockGrid.size(width: 64, height: 64, scale: 1).rows, 32)
        XCTAssertEqual(HalfBlockGrid.size(width: 64, height: 64, scale: 2).rows, 64)
    }
}

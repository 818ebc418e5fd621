import XCTest
@testable import GenieMedia

final class ResampleTests: XCTestCase {
    func testFrameSizeParsing() {
        XCTAssertEqual(FrameSize(parsing: "64x48"), FrameSize(width: 64, height: 48))
        XCTAssertEqual(FrameSize(parsing: "32"), FrameSize(width: 32, height: 32))
        XCTAssertEqual(FrameSize(parsing: "16X8"), FrameSize(width: 16, height: 8))
        for bad in ["", "x", "0x4", "4x", "-4x4", "4x4x4", "99999x2", "ax2"] { XCTAssertNil(FrameSize(parsing: bad), bad) }
    }

    func testSameSizeIsUnchanged() {
        var g = 1
        let f = Frame(width: 5, height: 3, pixels: (0..<45).map { _ in g = (g * 73 + 11) % 256; return UInt8(g) })
        XCTAssertEqual(f.fitted(to: FrameSize(width: 5, height: 3)), f)
    }

    func testHalvingAveragesEachTwoByTwoBlock() {
        // 4x4 grey ramp: value 10·(y·4 + x).
        var f = Frame(width: 4, height: 4)
        for y in 0..<4 { for x in 0..<4 { let v = UInt8(10 * (y * 4 + x)); f[x, y] = RGB(v, v, 255 - v) } }
        let half = f.fitted(to: FrameSize(width: 2, height: 2))
        for by in 0..<2 {
            for bx in 0..<2 {
                let values = [(0, 0), (1, 0), (0, 1), (1, 1)].map { Double(10 * ((2 * by + $0.1) * 4 + 2 * bx + $0.0)) }
                let mean = values.reduce(0, +) / 4
                XCTAssertEqual(Double(half[bx, by].r), mean.rounded(), accuracy: 0.51)
                XCTAssertEqual(Double(half[bx, by].b), (255 - mean).rounded(), accuracy: 0.51)
            }
        }
    }

    func testWideFrameIsCentreCroppedNotSquashed() {
        // 6x2: columns 0-1 red, 2-3 green, 4-5 blue. To 2x2 the centre 2x2 (green) is kept.
        var f = Frame(width: 6, height: 2)
        for y in 0..<2 { for x in 0..<6 { f[x, y] = [RGB(255, 0, 0), RGB(0, 255, 0), RGB(0, 0, 255)][x / 2] } }
        let square = f.fitted(to: FrameSize(width: 2, height: 2))
        XCTAssertEqual(Set((0..<4).map { square[$0 % 2, $0 / 2] }), [RGB(0, 255, 0)])
        // A tall frame keeps its middle rows.
        var tall = Frame(width: 1, height: 3)
        tall[0, 0] = RGB(9, 9, 9); tall[0, 1] = RGB(100, 50, 25); tall[0, 2] = RGB(7, 7, 7)
        XCTAssertEqual(tall.fitted(to: FrameSize(width: 1, height: 1))[0, 0], RGB(100, 50, 25))
    }

    func testFractionalFactorKeepsTheMeanAndFlatAreasFlat() {
        // 7x7 → 3x3 (a factor of 2.33): a flat frame stays exactly flat, and a frame's mean
        // is kept (each output pixel averages an equal area).
        let flat = Frame(width: 7, height: 7, fill: RGB(37, 180, 90))
        let small = flat.fitted(to: FrameSize(width: 3, height: 3))
        XCTAssertEqual(Set((0..<9).map { small[$0 % 3, $0 / 3] }), [RGB(37, 180, 90)])
        var g: UInt32 = 3
        let noise = Frame(width: 7, height: 7, pixels: (0..<147).map { _ in g = g &* 1_664_525 &+ 1_013_904_223; return UInt8(g >> 24) })
        let reduced = noise.fitted(to: FrameSize(width: 3, height: 3))
        for c in 0..<3 {
            let before = stride(from: c, to: 147, by: 3).map { Double(noise.pixels[$0]) }.reduce(0, +) / 49
            let after = stride(from: c, to: 27, by: 3).map { Double(reduced.pixels[$0]) }.reduce(0, +) / 9
            XCTAssertEqual(after, before, accuracy: 0.6)
        }
        // Upscaling a 2x2 to 4x4 copies each pixel into a 2x2 block.
        var two = Frame(width: 2, height: 2)
        two[0, 0] = RGB(1, 2, 3); two[1, 0] = RGB(4, 5, 6); two[0, 1] = RGB(7, 8, 9); two[1, 1] = RGB(10, 11, 12)
        let four = two.fitted(to: FrameSize(width: 4, height: 4))
        for y in 0..<4 { for x in 0..<4 { XCTAssertEqual(four[x, y], two[x / 2, y / 2]) } }
    }
}

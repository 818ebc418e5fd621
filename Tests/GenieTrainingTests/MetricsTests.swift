import XCTest
@testable import GenieMedia
@testable import GenieTraining

final class MetricsTests: XCTestCase {
    func testPSNRAndSSIM() {
        let a = Frame(width: 16, height: 16, fill: RGB(100, 100, 100))
        var b = a
        b[0, 0] = RGB(110, 100, 100)  // one channel off by 10 in 768 values
        let mse = 100.0 / 768 / (255 * 255)
        XCTAssertEqual(psnr(a, b), 10 * log10(1 / mse), accuracy: 1e-9)
        XCTAssertEqual(ssim(a, a), 1, accuracy: 1e-12)
        var noisy = a
        for y in 0..<16 { for x in 0..<16 where (x + y) % 2 == 0 { noisy[x, y] = RGB(200, 200, 200) } }
        XCTAssertLessThan(ssim(a, noisy), 0.5)
    }

    func testAgreementAndMutualInformation() {
        // Codes that rename the labels perfectly: accuracy 1, NMI 1.
        let labels = [0, 1, 2, 0, 1, 2, 2]
        let perfect = agreement(codes: labels.map { (2 - $0) + 3 }, labels: labels, codeCount: 6, labelCount: 3)
        XCTAssertEqual(perfect.accuracy, 1)
        XCTAssertEqual(perfect.normalizedMutualInformation, 1, accuracy: 1e-12)
        XCTAssertEqual(perfect.mapping, [-1, -1, -1, 2, 1, 0])
        XCTAssertEqual(perfect.codesUsed, 3)
        // One code for everything: accuracy = share of the commonest label, NMI 0.
        let collapsed = agreement(codes: [Int](repeating: 0, count: 7), labels: labels, codeCount: 8, labelCount: 3)
        XCTAssertEqual(collapsed.accuracy, 3.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(collapsed.normalizedMutualInformation, 0)
        XCTAssertEqual(collapsed.codesUsed, 1)
        // Half right: two codes each split evenly over two labels.
        let half = agreement(codes: [0, 0, 1, 1], labels: [0, 1, 0, 1], codeCount: 2, labelCount: 2)
        XCTAssertEqual(half.accuracy, 0.5)
        XCTAssertEqual(half.normalizedMutualInformation, 0, accuracy: 1e-12)
    }
}

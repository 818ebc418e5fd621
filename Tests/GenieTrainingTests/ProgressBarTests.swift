import GenieSupport
import XCTest

/// The progress line's rate and ETA: absent until something has been done, then figures.
final class ProgressBarTests: XCTestCase {
    func testNoRateBeforeTheFirstUnitIsDone() {
        XCTAssertEqual(ProgressBar.rateAndETA(done: 0, remaining: 100, seconds: 0.01, unit: "steps"), "")
        XCTAssertEqual(ProgressBar.rateAndETA(done: 0, remaining: 100, seconds: 30, unit: "steps"), "")
    }

    func testRateAndETAOnceKnown() {
        XCTAssertEqual(ProgressBar.rateAndETA(done: 10, remaining: 20, seconds: 4, unit: "steps"), ", 2.50 steps/s, ETA 0:00:08")
        XCTAssertEqual(ProgressBar.rateAndETA(done: 1, remaining: 7200, seconds: 1, unit: "frames"), ", 1.00 frames/s, ETA 2:00:00")
    }
}

import XCTest
final class GenieCLITestsPlaceholder: XCTestCase { func testBuilds() {} }

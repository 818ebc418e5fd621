import XCTest
final class GenieTerminalTestsPlaceholder: XCTestCase { func testBuilds() {} }

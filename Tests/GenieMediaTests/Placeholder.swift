import XCTest
final class GenieMediaTestsPlaceholder: XCTestCase { func testBuilds() {} }

import XCTest
final class PlatformerTestsPlaceholder: XCTestCase { func testBuilds() {} }

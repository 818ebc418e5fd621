import XCTest
final class GenieTensorTestsPlaceholder: XCTestCase { func testBuilds() {} }

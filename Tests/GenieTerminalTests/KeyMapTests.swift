import GenieMedia
import XCTest
@testable import GenieTerminal

final class KeyMapTests: XCTestCase {
    func command(_ key: Int32, at time: Double = 0, map: inout KeyMap) -> KeyCommand { map.command(for: key, at: time) }

    func testSingleKeys() {
        let cases: [(Int32, KeyCommand)] = [
            (KeyCode.left, .control(Control.left)), (KeyCode.char("a"), .control(Control.left)),
            (KeyCode.right, .control(Control.right)), (KeyCode.char("d"), .control(Control.right)),
            (KeyCode.up, .control(Control.jump)), (KeyCode.char("w"), .control(Control.jump)),
            (KeyCode.char(" "), .control(Control.jump)),
            (KeyCode.down, .control(Control.noop)), (KeyCode.char("s"), .control(Control.noop)),
            (KeyCode.shiftLeft, .control(Control.leftJump)), (KeyCode.char("A"), .control(Control.leftJump)),
            (KeyCode.shiftRight, .control(Control.rightJump)), (KeyCode.char("D"), .control(Control.rightJump)),
            (KeyCode.char("p"), .pause), (KeyCode.char("r"), .toggleRecording),
            (KeyCode.char("q"), .quit), (KeyCode.escape, .quit), (KeyCode.resize, .resize),
            (KeyCode.char("x"), .ignored), (KeyCode.char("9"), .ignored), (KeyCode.char("0"), .ignored),
        ]
        for (key, expected) in cases {
            var map = KeyMap()  // fresh: no combination with an earlier key
            XCTAssertEqual(command(key, map: &map), expected, KeyMap.name(of: key))
        }
    }

    func testDigitsPickRawActions() {
        var map = KeyMap()
        for d in 1...8 {
            XCTAssertEqual(command(KeyCode.char(Character(String(d))), map: &map), .rawAction(d - 1))
        }
    }

    func testDirectionThenJumpCombines() {
        var map = KeyMap(comboWindow: 0.3)
        XCTAssertEqual(command(KeyCode.right, at: 10.0, map: &map), .control(Control.right))
        XCTAssertEqual(command(KeyCode.char(" "), at: 10.2, map: &map), .control(Control.rightJump))
        XCTAssertEqual(command(KeyCode.char("a"), at: 20.0, map: &map), .control(Control.left))
        XCTAssertEqual(command(KeyCode.up, at: 20.1, map: &map), .control(Control.leftJump))
    }

    func testJumpThenDirectionCombines() {
        var map = KeyMap(comboWindow: 0.3)
        XCTAssertEqual(command(KeyCode.char("w"), at: 5.0, map: &map), .control(Control.jump))
        XCTAssertEqual(command(KeyCode.left, at: 5.1, map: &map), .control(Control.leftJump))
    }

    func testOutsideTheWindowNothingCombines() {
        var map = KeyMap(comboWindow: 0.3)
        XCTAssertEqual(command(KeyCode.right, at: 1.0, map: &map), .control(Control.right))
        XCTAssertEqual(command(KeyCode.char(" "), at: 1.5, map: &map), .control(Control.jump))
        XCTAssertEqual(command(KeyCode.left, at: 2.0, map: &map), .control(Control.left))
    }

    func testKeyNames() {
        XCTAssertEqual(KeyMap.name(of: KeyCode.right), "KEY_RIGHT")
        XCTAssertEqual(KeyMap.name(of: KeyCode.char(" ")), "space")
        XCTAssertEqual(KeyMap.name(of: KeyCode.char("d")), "d")
        XCTAssertEqual(KeyMap.name(of: KeyCode.escape), "ESC")
    }

    func testHelpMentionsEveryBinding() {
        for word in ["AD", "space", "Shift", "1-8", "p pause", "r rec", "q quit"] {
            XCTAssertTrue(KeyMap.help.contains(word), word)
        }
    }
}

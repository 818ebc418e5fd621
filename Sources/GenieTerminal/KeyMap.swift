import CNCurses
import GenieMedia

/// Key codes the player understands, as ncurses reports them (`keypad` on).
public enum KeyCode {
    public static let left = Int32(KEY_LEFT)
    public static let right = Int32(KEY_RIGHT)
    public static let up = Int32(KEY_UP)
    public static let down = Int32(KEY_DOWN)
    public static let shiftLeft = Int32(KEY_SLEFT)
    public static let shiftRight = Int32(KEY_SRIGHT)
    public static let resize = Int32(KEY_RESIZE)
    public static let escape: Int32 = 27
    /// The code of a plain character key.
    public static func char(_ c: Character) -> Int32 { Int32(c.asciiValue!) }
}

/// What a key press asks the player to do.
public enum KeyCommand: Equatable, Sendable {
    /// Take the action a world binds to this control (one of `Control.all`).
    case control(String)
    /// Take raw action `index` (digits 1–8 pick 0–7), bypassing the control names.
    case rawAction(Int)
    case pause
    case toggleRecording
    case quit
    case resize
    /// A key with no meaning.
    case ignored
}

/// Maps key presses to commands.
///
/// A terminal reports key presses, not held keys, so "run and jump" is typed in one of two ways:
/// a jump key (↑ / W / space) within `comboWindow` seconds of a direction key (← → / A D), in
/// either order, becomes left+jump or right+jump; or Shift+←/→ (also capital A / D) asks for
/// left+jump / right+jump directly. ↓ / S is an explicit noop ("wait"), handy in step mode.
public struct KeyMap: Sendable {
    /// Seconds within which a direction and a jump combine.
    public var comboWindow: Double
    private var lastHorizontal: (control: String, time: Double)?
    private var lastJump: Double?

    public init(comboWindow: Double = 0.3) { self.comboWindow = comboWindow }

    /// The one-line key help shown in the HUD.
    public static let help = "←→/AD move  ↑/W/space jump  dir+jump or Shift+←→ jump sideways  ↓/S wait  1-8 raw action  p pause  r rec  q quit"
    /// The key help for narrow terminals (see `HUD.compactWidth`).
    public static let compactHelp = "←→ move  ↑ jump  p pause  r rec  q quit"

    /// The command for `key` pressed at `time` (seconds, any fixed origin).
    public mutating func command(for key: Int32, at time: Double) -> KeyCommand {
        switch key {
        case KeyCode.left, KeyCode.char("a"):
            return horizontal(Control.left, jump: Control.leftJump, at: time)
        case KeyCode.right, KeyCode.char("d"):
            return horizontal(Control.right, jump: Control.rightJump, at: time)
        case KeyCode.up, KeyCode.char("w"), KeyCode.char("W"), KeyCode.char(" "):
            lastJump = time
            if let h = lastHorizontal, time - h.time <= comboWindow {
                return .control(h.control == Control.left ? Control.leftJump : Control.rightJump)
            }
            return .control(Control.jump)
        case KeyCode.shiftLeft, KeyCode.char("A"):
            return .control(Control.leftJump)
        case KeyCode.shiftRight, KeyCode.char("D"):
            return .control(Control.rightJump)
        case KeyCode.down, KeyCode.char("s"), KeyCode.char("S"):
            return .control(Control.noop)
        case KeyCode.char("1")...KeyCode.char("8"):
            return .rawAction(Int(key - KeyCode.char("1")))
        case KeyCode.char("p"), KeyCode.char("P"):
            return .pause
        case KeyCode.char("r"), KeyCode.char("R"):
            return .toggleRecording
        case KeyCode.char("q"), KeyCode.char("Q"), KeyCode.escape:
            return .quit
        case KeyCode.resize:
            return .resize
        default:
            return .ignored
        }
    }

    private mutating func horizontal(_ control: String, jump: String, at time: Double) -> KeyCommand {
        lastHorizontal = (control, time)
        if let j = lastJump, time - j <= comboWindow { return .control(jump) }
        return .control(control)
    }

    /// A short, stable name of a key for traces: "KEY_LEFT", "space", "d", "27".
    public static func name(of key: Int32) -> String {
        switch key {
        case KeyCode.left: return "KEY_LEFT"
        case KeyCode.right: return "KEY_RIGHT"
        case KeyCode.up: return "KEY_UP"
        case KeyCode.down: return "KEY_DOWN"
        case KeyCode.shiftLeft: return "KEY_SLEFT"
        case KeyCode.shiftRight: return "KEY_SRIGHT"
        case KeyCode.escape: return "ESC"
        case KeyCode.char(" "): return "space"
        case 33...126: return String(UnicodeScalar(UInt8(key)))
        default: return "\(key)"
        }
    }
}

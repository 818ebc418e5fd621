import GenieMedia

/// The simulator's true actions: exactly the controls of `Control.all`, in that order
/// (0 noop, 1 left, 2 right, 3 jump, 4 left+jump, 5 right+jump).
public enum PlatformerAction {
    /// Action names, index = action id.
    public static let names: [String] = Control.all
    public static var count: Int { names.count }

    /// Horizontal direction (-1, 0, +1) and whether jump is held, for an action id.
    static func decode(_ action: Int) -> (direction: Int, jump: Bool) {
        switch action {
        case 1: return (-1, false)
        case 2: return (1, false)
        case 3: return (0, true)
        case 4: return (-1, true)
        case 5: return (1, true)
        default: return (0, false)
        }
    }
}

import GenieMedia

/// Action equivalence classes. An action that changes nothing visible in a state (jump in
/// mid-air, left against a wall) cannot be told apart from noop in the video, so neither a
/// latent action model nor a metric should be asked to. The simulator can tell: it steps a
/// copy of the state with every action and groups those that give the same next frame.
extension PlatformerGame {
    /// The next state and frame for every action, in action order.
    public func successors(of state: PlatformerState) -> [(state: PlatformerState, frame: Frame)] {
        (0..<PlatformerAction.count).map { action in
            var next = state
            step(&next, action: action)
            return (next, render(next))
        }
    }

    /// For each action, its class id: the smallest action index whose next frame is
    /// identical. Noop is always class 0; an action in class 0 did nothing visible.
    public func actionClasses(of state: PlatformerState) -> [Int] {
        Self.classes(of: successors(of: state).map(\.frame))
    }

    /// Class ids from the next frames of all actions.
    public static func classes(of frames: [Frame]) -> [Int] {
        frames.indices.map { a in frames.firstIndex(of: frames[a])! }
    }
}

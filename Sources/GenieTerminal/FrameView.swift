import GenieMedia

/// The picture and HUD on a `Screen`: keeps the layout for the current terminal size,
/// shows the "too small" message instead of the picture when needed, and redraws after a resize.
public final class FrameView {
    public let screen: Screen
    public let frameWidth: Int
    public let frameHeight: Int
    public let maxScale: Int?
    public private(set) var layout: Layout
    public var hud = HUD()
    private var frame: Frame?

    public init(screen: Screen, frameWidth: Int, frameHeight: Int, maxScale: Int? = nil) {
        self.screen = screen
        self.frameWidth = frameWidth
        self.frameHeight = frameHeight
        self.maxScale = maxScale
        self.layout = .tooSmall(needColumns: 0, needRows: 0, haveColumns: 0, haveRows: 0)
        relayout()
    }

    /// Whether the terminal is too small for the picture (the message is showing).
    public var isTooSmall: Bool {
        if case .tooSmall = layout { return true }
        return false
    }

    /// Recomputes the layout for the terminal's current size and repaints everything.
    public func relayout() {
        let (columns, rows) = screen.size
        layout = Layout.compute(frameWidth: frameWidth, frameHeight: frameHeight,
                                terminalColumns: columns, terminalRows: rows, maxScale: maxScale)
        screen.clearAll()
        if let message = layout.tooSmallMessage {
            screen.showMessage(message)
            screen.refresh()
        } else {
            redraw()
        }
    }

    /// Shows `frame` (kept for repaints after a resize) with the current HUD.
    public func show(_ frame: Frame) {
        self.frame = frame
        redraw()
    }

    /// Redraws the HUD line only.
    public func showHUD() {
        guard case let .fits(_, _, _, _, _, hudRow) = layout else { return }
        screen.drawLine(hud.line(width: screen.size.columns - 1), row: hudRow)
        screen.refresh()
    }

    private func redraw() {
        guard case let .fits(scale, x, y, _, _, _) = layout else { return }
        if let frame { screen.draw(HalfBlockGrid(frame: frame, scale: scale), x: x, y: y) }
        showHUD()
    }
}

import GenieMedia

/// The picture and HUD on a `Screen`: keeps the layout for the current terminal size,
/// shows the "too small" message instead of the picture when needed, and redraws after a resize.
public final class FrameView {
    public let screen: Screen
    public let frameWidth: Int
    public let frameHeight: Int
    public let maxScale: Int?
    /// The glyphs asked for (nil: automatic, see `glyphs(for:)`).
    public let glyphRequest: GlyphMode?
    public private(set) var layout: Layout
    public var hud = HUD()
    private var frame: Frame?
    private let colors: ColorMapper

    public init(screen: Screen, frameWidth: Int, frameHeight: Int, maxScale: Int? = nil, glyphs: GlyphMode? = nil) {
        self.screen = screen
        self.frameWidth = frameWidth
        self.frameHeight = frameHeight
        self.maxScale = maxScale
        self.glyphRequest = glyphs
        self.colors = ColorMapper(mode: screen.colorMode)
        self.layout = .tooSmall(needColumns: 0, needRows: 0, haveColumns: 0, haveRows: 0)
        relayout()
    }

    /// The glyphs used with `layout` in `colorMode`: as asked, else half blocks when the
    /// picture is at least the frame's size and quadrants when it is shrunk (twice the
    /// horizontal detail). Monochrome draws one character per cell, so half blocks suffice.
    public static func glyphs(for layout: Layout, colorMode: ColorMode, request: GlyphMode?) -> GlyphMode {
        if colorMode == .monochrome { return .half }
        return request ?? (layout.isShrunk ? .quadrant : .half)
    }

    /// The glyphs in use now.
    public var glyphs: GlyphMode { Self.glyphs(for: layout, colorMode: screen.colorMode, request: glyphRequest) }

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
        colors.reset()
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

    /// The picture of `frame` for the current layout.
    public func picture(of frame: Frame) -> CellPicture? {
        guard case let .fits(scale, _, _, columns, rows, _) = layout else { return nil }
        let glyphs = self.glyphs
        // At an integer scale in half blocks an odd pixel height leaves the last half row black.
        let pixelHeight = glyphs == .half && scale >= 1 ? Int((Double(frameHeight) * scale).rounded()) : nil
        return CellPicture(frame: frame, columns: columns, rows: rows, glyphs: glyphs, pixelHeight: pixelHeight)
    }

    private func redraw() {
        guard case let .fits(_, x, y, columns, _, _) = layout else { return }
        if let frame, let picture = picture(of: frame) {
            screen.draw(colors.map(picture), columns: columns, x: x, y: y)
        }
        showHUD()
    }
}

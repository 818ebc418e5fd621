import Foundation
import GenieMedia

/// Measures how many frames per second the block-character renderer puts on a terminal, by
/// drawing into a pseudo-terminal whose other end is drained (and discarded) by a thread.
/// The figure includes everything a frame costs in play: cells, colour mapping, ncurses
/// diffing and the bytes written to the terminal.
public enum RenderBenchmark {
    /// Frames per second drawing `frames` in turn (they should differ, as in play) at `scale`
    /// for about `seconds`, with `colorMode` (opened as xterm-direct or xterm-256color).
    public static func framesPerSecond(frames: [Frame], scale: Int, colorMode: ColorMode,
                                       seconds: Double = 1) throws -> Double {
        precondition(!frames.isEmpty)
        let (columns, rows) = Layout.halfBlockSize(width: frames[0].width, height: frames[0].height, scale: scale)
        var size = winsize(ws_row: UInt16(rows + Layout.hudLines + 2), ws_col: UInt16(columns + 2), ws_xpixel: 0, ws_ypixel: 0)
        var master: Int32 = -1, slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, &size) == 0 else {
            throw ScreenError.cannotOpen("openpty failed: \(String(cString: strerror(errno)))")
        }
        let drained = DispatchSemaphore(value: 0)
        let drainFD = master
        let drainer = Thread {
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while buffer.withUnsafeMutableBytes({ read(drainFD, $0.baseAddress, $0.count) }) > 0 {}
            drained.signal()
        }
        drainer.start()

        guard let output = fdopen(slave, "w"), let input = fdopen(dup(slave), "r") else {
            throw ScreenError.cannotOpen("fdopen on the pseudo-terminal failed")
        }
        let name = colorMode == .direct ? "xterm-direct" : "xterm-256color"
        let screen = try Screen(terminalNames: [name], output: output, input: input, forceColorMode: colorMode)
        let view = FrameView(screen: screen, frameWidth: frames[0].width, frameHeight: frames[0].height, maxScale: scale)
        view.hud = HUD(step: 0, fps: 0, actionName: "bench", help: "")

        var count = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        while elapsed < seconds || count < 10 {
            view.hud.step = count
            view.show(frames[count % frames.count])
            count += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        screen.close()
        fclose(output)
        fclose(input)
        drained.wait()
        close(master)
        return Double(count) / elapsed
    }
}

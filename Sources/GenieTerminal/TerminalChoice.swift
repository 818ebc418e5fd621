import CNCurses
import Foundation
import GenieSupport

/// The colours the user asks for (`--color`).
public enum ColorRequest: String, Sendable, CaseIterable {
    /// The best the terminal supports; none when NO_COLOR is set.
    case auto
    case truecolor
    case c256 = "256"
    case c16 = "16"
    case none
}

/// Which terminfo entry to open the screen with, and which colour mode to use on it.
///
/// ncurses draws 24-bit colour only through an entry with the RGB capability (`xterm-direct`,
/// `tmux-direct`, … from Debian's ncurses-term); the usual `xterm-256color` has 256 colours.
/// So when the terminal takes 24-bit colour and a `-direct` entry exists, that entry is
/// tried first; `TERM` itself is always the last resort.
public enum TerminalChoice {
    /// What is known about the terminal before opening it.
    public struct Environment: Sendable {
        public var term: String?
        public var colorTerm: String?
        /// NO_COLOR is set to a non-empty value (https://no-color.org).
        public var noColor: Bool
        /// Inside tmux: whether the client terminal has the RGB feature (tmux ≥ 3.2 reports
        /// `client_termfeatures`); nil outside tmux or when tmux does not say.
        public var tmuxClientRGB: Bool?

        public init(term: String?, colorTerm: String? = nil, noColor: Bool = false, tmuxClientRGB: Bool? = nil) {
            self.term = term; self.colorTerm = colorTerm; self.noColor = noColor; self.tmuxClientRGB = tmuxClientRGB
        }

        /// The process's own environment (asks tmux when inside it).
        public static func current() -> Environment {
            let env = ProcessInfo.processInfo.environment
            return Environment(term: env["TERM"], colorTerm: env["COLORTERM"],
                               noColor: !(env["NO_COLOR"] ?? "").isEmpty,
                               tmuxClientRGB: env["TMUX"] == nil ? nil : tmuxClientFeatures().map { $0.contains("RGB") })
        }
    }

    /// Whether the terminal takes 24-bit colour: COLORTERM says so, the tmux client has RGB,
    /// or TERM's own terminfo entry has the RGB or Tc flag.
    public static func supportsTrueColor(_ environment: Environment, entryFlag: (String, String) -> Bool = entryHasFlag) -> Bool {
        if ["truecolor", "24bit"].contains(environment.colorTerm?.lowercased() ?? "") { return true }
        if environment.tmuxClientRGB == true { return true }
        guard let term = environment.term, !term.isEmpty else { return false }
        return entryFlag(term, "RGB") || entryFlag(term, "Tc")
    }

    /// The entries to try, best first.
    public static func candidates(_ environment: Environment, request: ColorRequest = .auto,
                                  entryExists: (String) -> Bool = TerminalChoice.terminfoEntryExists,
                                  entryFlag: (String, String) -> Bool = entryHasFlag) -> [String] {
        let term = (environment.term?.isEmpty ?? true) ? "xterm-256color" : environment.term!
        let base = String(term.split(separator: "-").first ?? Substring(term))
        var preferred: [String] = []
        switch request {
        case .truecolor:
            preferred = [base + "-direct", "xterm-direct"]
        case .auto where !environment.noColor && supportsTrueColor(environment, entryFlag: entryFlag):
            preferred = [base + "-direct", "xterm-direct"]
        case .c256:
            preferred = [base + "-256color", "xterm-256color"]
        default:
            break
        }
        if term.hasSuffix("-direct") && request != .c256 { preferred = [] }
        var result: [String] = []
        for name in preferred where name != term && !result.contains(name) && entryExists(name) { result.append(name) }
        result.append(term)
        return result
    }

    /// The colour mode for `request` on a terminal whose entry has `colors` colours and,
    /// maybe, the RGB flag: what was asked for, or less when the terminal has less.
    public static func colorMode(request: ColorRequest, noColor: Bool, colors: Int, hasRGB: Bool) -> ColorMode {
        let available: ColorMode = hasRGB || colors >= 0x1000000 ? .direct
            : colors >= 256 ? .palette256 : colors >= 16 ? .ansi16 : colors >= 8 ? .ansi8 : .monochrome
        let order: [ColorMode] = [.monochrome, .ansi8, .ansi16, .palette256, .direct]
        let wanted: ColorMode
        switch request {
        case .auto: wanted = noColor ? .monochrome : .direct
        case .truecolor: wanted = .direct
        case .c256: wanted = .palette256
        case .c16: wanted = .ansi16
        case .none: wanted = .monochrome
        }
        return order[min(order.firstIndex(of: wanted)!, order.firstIndex(of: available)!)]
    }

    /// Whether terminfo entry `name` has boolean capability `flag`.
    public static func entryHasFlag(_ name: String, _ flag: String) -> Bool { genie_entry_flag(name, flag) == 1 }

    /// tmux's `client_termfeatures` for the attached client, or nil.
    static func tmuxClientFeatures() -> String? {
        guard let result = ChildProcess.run("/usr/bin/env", ["tmux", "display-message", "-p", "#{client_termfeatures}"]),
              result.status == 0 else { return nil }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether a compiled terminfo entry called `name` is installed where ncurses looks.
    public static func terminfoEntryExists(_ name: String) -> Bool {
        guard let first = name.first else { return false }
        let env = ProcessInfo.processInfo.environment
        var directories: [String] = []
        if let t = env["TERMINFO"] { directories.append(t) }
        if let home = env["HOME"] { directories.append(home + "/.terminfo") }
        if let dirs = env["TERMINFO_DIRS"] { directories += dirs.split(separator: ":").map(String.init) }
        directories += ["/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo", "/usr/lib/terminfo"]
        let hex = String(format: "%02x", first.asciiValue ?? 0)
        return directories.contains { dir in
            FileManager.default.fileExists(atPath: "\(dir)/\(first)/\(name)")
                || FileManager.default.fileExists(atPath: "\(dir)/\(hex)/\(name)")
        }
    }
}

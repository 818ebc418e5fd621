import Foundation

/// Which terminfo entry to open the screen with.
///
/// ncurses draws 24-bit colour only through an entry with the RGB capability (`xterm-direct`,
/// `tmux-direct`, … from Debian's ncurses-term); the usual `xterm-256color` has 256 colours.
/// So when `COLORTERM` says the terminal takes 24-bit colour and a `-direct` entry exists,
/// that entry is tried first; `TERM` itself is always the last resort.
public enum TerminalChoice {
    /// The entries to try, best first.
    public static func candidates(term: String?, colorTerm: String?,
                                  entryExists: (String) -> Bool = TerminalChoice.terminfoEntryExists) -> [String] {
        let term = (term?.isEmpty ?? true) ? "xterm-256color" : term!
        var result: [String] = []
        let truecolor = ["truecolor", "24bit"].contains(colorTerm?.lowercased() ?? "")
        if truecolor && !term.hasSuffix("-direct") {
            let base = String(term.split(separator: "-").first ?? Substring(term))
            for name in [base + "-direct", "xterm-direct"] where !result.contains(name) && entryExists(name) {
                result.append(name)
            }
        }
        result.append(term)
        return result
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

import Foundation
import GenieMedia
import GenieSupport

/// An episode's actions.csv: row t names the action taken after frame t.
///
/// The header names the columns, in any order: `t`, and an action id (`action`,
/// `action_id` or `id`) and/or an action name (`action_name` or `name`); `class` (the
/// simulator's equivalence class of the action) is read where present and any other column
/// is ignored. Names are genie's controls, written with any of `+ _ - space` between
/// words: `right+jump`, `RIGHT_JUMP`, `up` (= jump), `none`/`idle`/`wait` (= noop).
/// Where both an id and a name are given, the id is used.
public enum ActionsFile {
    /// Larger files are refused before they are read (a 64-frame episode's file is ~1 KB).
    static let maximumBytes = 64 << 20
    static let idColumns = ["action", "action_id", "id"]
    static let nameColumns = ["action_name", "name"]

    /// The actions and, with a `class` column, their classes. At least `frames - 1` rows.
    public static func read(_ path: String, frames: Int) throws -> (actions: [Int], classes: [Int]?) {
        func fail(_ reason: String) -> VideoDatasetError { .badActions(path, reason: reason) }
        let data: Data
        do { data = try RegularFile.read(path, limit: maximumBytes) } catch { throw fail(error.description) }
        guard let text = String(data: data, encoding: .utf8) else { throw fail("not UTF-8 text") }
        return try parse(text, frames: frames, fail: fail)
    }

    static func parse(_ text: String, frames: Int, fail: (String) -> VideoDatasetError) throws -> (actions: [Int], classes: [Int]?) {
        let lines = text.split(whereSeparator: \.isNewline)
        guard let headerLine = lines.first else { throw fail("empty") }
        let header = fields(headerLine).map { $0.lowercased() }
        guard let tColumn = header.firstIndex(of: "t") else {
            throw fail("line 1: the header has no `t` column (expected e.g. t,action or t,action_id,action_name)")
        }
        let idColumn = idColumns.lazy.compactMap { header.firstIndex(of: $0) }.first
        let nameColumn = nameColumns.lazy.compactMap { header.firstIndex(of: $0) }.first
        guard idColumn != nil || nameColumn != nil else {
            throw fail("line 1: the header names no action column (one of \((idColumns + nameColumns).joined(separator: ", ")))")
        }
        let classColumn = header.firstIndex(of: "class")
        var actions: [Int] = [], classes: [Int] = []
        actions.reserveCapacity(lines.count - 1)
        for (row, line) in lines.dropFirst().enumerated() {
            let lineNumber = row + 2
            let values = fields(line)
            guard values.count == header.count else {
                throw fail("line \(lineNumber) has \(values.count) fields, the header \(header.count)")
            }
            guard let t = Int(values[tColumn]), t == row else {
                throw fail("line \(lineNumber): t is \"\(values[tColumn])\", expected \(row) (one row per frame, in order)")
            }
            let action: Int
            if let idColumn {
                guard let id = Int(values[idColumn]), (0..<(1 << 16)).contains(id) else {
                    throw fail("line \(lineNumber): action id \"\(values[idColumn])\" is not a number in 0...65535")
                }
                action = id
            } else {
                guard let id = control(named: values[nameColumn!]) else {
                    throw fail("line \(lineNumber): unknown action name \"\(values[nameColumn!])\" (known: \(Control.all.joined(separator: ", ")))")
                }
                action = id
            }
            actions.append(action)
            if let classColumn {
                guard let c = Int(values[classColumn]), (0..<(1 << 16)).contains(c) else {
                    throw fail("line \(lineNumber): class \"\(values[classColumn])\" is not a number in 0...65535")
                }
                classes.append(c)
            }
        }
        guard actions.count >= frames - 1 else { throw fail("\(actions.count) actions for \(frames) frames") }
        return (actions, classColumn == nil ? nil : classes)
    }

    /// The index in `Control.all` of an action name, in any of the spellings above.
    public static func control(named name: String) -> Int? {
        var words = Set<String>()
        for word in name.lowercased().split(whereSeparator: { "+_- ".contains($0) }) {
            switch word {
            case "left", "right", "jump": words.insert(String(word))
            case "up": words.insert("jump")
            case "noop", "none", "idle", "wait", "stand", "nothing": break
            default: return nil
            }
        }
        if words.contains("left") && words.contains("right") { return nil }
        let canonical = ["left", "right", "jump"].filter(words.contains).joined(separator: "+")
        return Control.all.firstIndex(of: canonical.isEmpty ? Control.noop : canonical)
    }

    /// The comma-separated fields of a line, trimmed of spaces and of one pair of quotes.
    static func fields(_ line: Substring) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map { field in
            var f = field.trimmingCharacters(in: .whitespaces)
            if f.hasPrefix("\u{FEFF}") { f.removeFirst() }
            if f.count >= 2, f.hasPrefix("\""), f.hasSuffix("\"") { f = String(f.dropFirst().dropLast()) }
            return f
        }
    }
}

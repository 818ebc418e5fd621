/// A coding path as a person writes it: "encoder.width", "steps[3].time".
public func fieldPath(_ keys: [CodingKey]) -> String {
    var s = ""
    for k in keys {
        if let i = k.intValue { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + k.stringValue }
    }
    return s.isEmpty ? "<top level>" : s
}

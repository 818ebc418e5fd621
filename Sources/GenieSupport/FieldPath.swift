/// A coding path as a person writes it: "encoder.width", "steps[3].time".
public func fieldPath(_ keys: [CodingKey]) -> String {
    var s = ""
    for k in keys {
        if let i = k.intValue { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + k.stringValue }
    }
    return s.isEmpty ? "<top level>" : s
}

/// A JSON decoding error as one line naming the field ("encoder.width is not a valid Int");
/// `document` names the whole for errors at its top level.
public func oneLineReason(_ error: DecodingError, document: String) -> String {
    switch error {
    case .keyNotFound(let key, let context): return "\(fieldPath(context.codingPath + [key])) is missing"
    case .valueNotFound(_, let context): return "\(fieldPath(context.codingPath)) is null"
    case .typeMismatch(let type, let context): return "\(fieldPath(context.codingPath)) is not a valid \(type)"
    case .dataCorrupted(let context):
        // Foundation's own reason is short here ("Number 1e+30 is not representable in Swift.").
        let reason = context.debugDescription.split(whereSeparator: \.isNewline).first.map(String.init) ?? "not valid JSON"
        return context.codingPath.isEmpty ? "\(document): \(reason)" : "\(fieldPath(context.codingPath)) is not a valid value"
    @unknown default: return "\(document) cannot be decoded"
    }
}

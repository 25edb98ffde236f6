/// Request bodies decode their enumerations (a role, a kind, an action…) here: a value that is
/// not one of the enumeration's is the field's own 400 (`invalid_role`, `invalid_kind`, …)
/// rather than a generic `invalid_body`, with a message listing what is accepted.
extension KeyedDecodingContainer {
    func decodeIfPresent<Value: RawRepresentable<String>>(
        _ type: Value.Type, forKey key: Key, invalid: (String) -> APIError
    ) throws -> Value? {
        guard let raw = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = Value(rawValue: raw) else { throw invalid(raw) }
        return value
    }

    func decode<Value: RawRepresentable<String>>(
        _ type: Value.Type, forKey key: Key, invalid: (String) -> APIError
    ) throws -> Value {
        let raw = try decode(String.self, forKey: key)
        guard let value = Value(rawValue: raw) else { throw invalid(raw) }
        return value
    }
}

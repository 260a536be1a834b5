import FoundationEssentials

extension JSONValue {
    /// A `Codable` value (a control reply) as a tree: written by the one serializer, so keys come out sorted as
    /// every other line the daemon writes. Throws for a value JSON cannot hold (a NaN). Encoded straight into the
    /// tree (TreeEncoder), not through JSON text.
    public init(encoding value: some Encodable) throws {
        self = try TreeEncoder.encode(value)
    }

    /// This tree read as `T`; the error names the key path that does not fit.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(serialized.utf8))
    }
}

/// Encodes a value straight into a `JSONValue` tree: no JSON text is written and parsed back on the way (a control
/// reply was encoded to text by JSONEncoder, parsed into a tree, then serialized: three passes for one reply).
///
/// The tree is the one JSONEncoder's text parses to: the same keys (`encodeIfPresent` omits, `encodeNil` writes
/// null), numbers as the same Doubles, and a non-finite number refused as JSONEncoder refuses it.
struct TreeEncoder: Encoder {
    /// A node being filled: one of a value, an object or an array, whichever its encoder asked for first.
    final class Node {
        var leaf: JSONValue?
        var object: [String: Node]?
        var array: [Node]?

        var json: JSONValue {
            if let leaf { return leaf }
            if let array { return .array(array.map(\.json)) }
            // An object, or a value that encoded nothing (JSONEncoder writes `{}` for it).
            return .object((object ?? [:]).mapValues(\.json))
        }
    }

    let node: Node
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func encode(_ value: some Encodable) throws -> JSONValue {
        let root = Node()
        try value.encode(to: TreeEncoder(node: root, codingPath: []))
        return root.json
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if node.object == nil { node.object = [:] }
        return KeyedEncodingContainer(Keyed(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if node.array == nil { node.array = [] }
        return Unkeyed(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(node: node, codingPath: codingPath) }

    static func number(_ d: Double, _ value: Any, _ path: [any CodingKey]) throws -> JSONValue {
        guard d.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "\(d) is not a number JSON can hold"))
        }
        return .number(d)
    }

    /// A child value: primitives directly, anything else through its own `encode(to:)`.
    static func value(_ v: some Encodable, into child: Node, _ path: [any CodingKey]) throws {
        switch v {
        case let s as String: child.leaf = .string(s)
        case let b as Bool: child.leaf = .bool(b)
        case let i as Int: child.leaf = .number(Double(i))
        case let d as Double: child.leaf = try number(d, d, path)
        case let j as JSONValue: child.leaf = j
        default: try v.encode(to: TreeEncoder(node: child, codingPath: path))
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: Node
        var codingPath: [any CodingKey]

        func child(_ key: Key) -> Node { child(named: key.stringValue) }
        func child(named name: String) -> Node {
            let c = Node()
            node.object![name] = c
            return c
        }
        mutating func encodeNil(forKey key: Key) throws { child(key).leaf = .null }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try TreeEncoder.value(value, into: child(key), codingPath + [key])
        }
        mutating func nestedContainer<N: CodingKey>(keyedBy: N.Type, forKey key: Key) -> KeyedEncodingContainer<N> {
            TreeEncoder(node: child(key), codingPath: codingPath + [key]).container(keyedBy: N.self)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            TreeEncoder(node: child(key), codingPath: codingPath + [key]).unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { TreeEncoder(node: child(named: "super"), codingPath: codingPath) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { TreeEncoder(node: child(key), codingPath: codingPath + [key]) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: Node
        var codingPath: [any CodingKey]
        var count: Int { node.array!.count }

        func child() -> Node {
            let c = Node()
            node.array!.append(c)
            return c
        }
        mutating func encodeNil() throws { child().leaf = .null }
        mutating func encode<T: Encodable>(_ value: T) throws { try TreeEncoder.value(value, into: child(), codingPath) }
        mutating func nestedContainer<N: CodingKey>(keyedBy: N.Type) -> KeyedEncodingContainer<N> {
            TreeEncoder(node: child(), codingPath: codingPath).container(keyedBy: N.self)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { TreeEncoder(node: child(), codingPath: codingPath).unkeyedContainer() }
        mutating func superEncoder() -> any Encoder { TreeEncoder(node: child(), codingPath: codingPath) }
    }

    struct Single: SingleValueEncodingContainer {
        let node: Node
        var codingPath: [any CodingKey]
        mutating func encodeNil() throws { node.leaf = .null }
        mutating func encode(_ value: Bool) throws { node.leaf = .bool(value) }
        mutating func encode(_ value: String) throws { node.leaf = .string(value) }
        mutating func encode(_ value: Double) throws { node.leaf = try TreeEncoder.number(value, value, codingPath) }
        mutating func encode(_ value: Float) throws { node.leaf = try TreeEncoder.number(Double("\(value)") ?? .nan, value, codingPath) }
        mutating func encode(_ value: Int) throws { node.leaf = .number(Double(value)) }
        mutating func encode(_ value: Int8) throws { node.leaf = .number(Double(value)) }
        mutating func encode(_ value: Int16) throws { node.leaf = .number(Double(value)) }
        mutating func encode(_ value: Int32) throws { node.leaf = .number(Double(value)) }
        mutating func encode(_ value: Int64) throws { node.leaf = .number(Double(value)) }
        mutating func encode(_ value: UInt) throws { node.leaf = .number(Double(value)) }
        mutating func encode(_ value: UInt8) throws { node.leaf = .number(Double(value)) }
        mutating func encode(_ value: UInt16) throws { node.leaf = .number(Double(value)) }
        mutating func encode(_ value: UInt32) throws { node.leaf = .number(Double(value)) }
        mutating func encode(_ value: UInt64) throws { node.leaf = .number(Double(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws { try TreeEncoder.value(value, into: node, codingPath) }
    }
}

import ColdChain

/// One control command, defined once: its name on the wire, its arguments with their bounds, its reply, and the
/// words of its usage. The daemon gives it a handler (Gateway/Daemon/Handlers), `coldchainctl` a parser and a
/// renderer (coldchainctl/Commands); `Commands.all` registers it, and the socket's dispatch, the CLI's parser and
/// both `help`s are derived from that list.
public protocol ControlCommand: Sendable {
    associatedtype Arguments: CommandArguments = NoArguments
    associatedtype Reply: Codable & Sendable
    /// The request's `cmd`, and for commands that share one (`hold add`, `hold list`), the argument that picks it.
    static var wire: WireName { get }
    /// What follows the command's words in the usage text (`FRIDGE [--since 24h]`).
    static var synopsis: String { get }
    /// The usage text's explanation; further lines are indented under it.
    static var summary: String { get }
    /// How to ask again so that the answer fits in `ControlProtocol.maxReply`.
    static var narrowing: String { get }
    /// Whether a person types it (coldchainctl and its usage); false for what another program of ours sends
    /// (coldchain-web's report of a locked login).
    static var forPeople: Bool { get }
}

extension ControlCommand {
    public static var synopsis: String { "" }
    public static var narrowing: String { "ask for less" }
    public static var forPeople: Bool { true }
    /// The words a person types: the name, and the selector's value when the name is shared (`hold add`).
    public static var words: [String] { wire.words }

    /// The request line's form of `arguments`.
    public static func request(_ arguments: Arguments) -> ControlRequest {
        var args = arguments.wire
        if let s = wire.selector { args[s.key] = .string(s.value) }
        return ControlRequest(cmd: wire.cmd, args: args)
    }
}

extension ControlCommand where Arguments == NoArguments {
    public static var request: ControlRequest { request(NoArguments()) }
}

/// A command's name on the wire. Several commands may share a `cmd` and be told apart by one argument
/// (`{"cmd":"hold","args":{"action":"add"}}`); one of them may be what an absent argument means.
public struct WireName: Sendable, Equatable {
    public struct Selector: Sendable, Equatable {
        public var key: String
        public var value: String
        /// This command is what a request without `key` means (`hold` alone lists).
        public var isDefault: Bool
    }
    public var cmd: String
    public var selector: Selector?
    /// Whether the selector's value is one of the words a person types (`hold add`; not `report`, whose `daily` is
    /// its first argument).
    var selectorIsWord: Bool

    public init(_ cmd: String) { self.cmd = cmd; selector = nil; selectorIsWord = false }
    public init(_ cmd: String, _ key: String, _ value: String, isDefault: Bool = false, typed: Bool = true) {
        self.cmd = cmd; selector = Selector(key: key, value: value, isDefault: isDefault); selectorIsWord = typed
    }

    public var words: [String] { selectorIsWord ? [cmd, selector!.value] : [cmd] }
}

/// A command's arguments: checked and bounded in one place, whoever sends them (the CLI checks with the same
/// bounds before sending, the web will too). Decoding reads through `ControlArguments`, not a synthesised
/// `Decodable`, so that every refusal names the key and the allowed range as the daemon always has.
public protocol CommandArguments: Codable, Sendable, Equatable {
    /// Reads and checks a request's arguments; `invalid_argument` with the key and the bound when one is wrong.
    init(checking a: ControlArguments) throws(ControlFailure)
    /// The request's `args`.
    var wire: [String: JSONValue] { get }
}

extension CommandArguments {
    public init(from decoder: any Decoder) throws {
        guard case .object(let o) = try JSONValue(from: decoder) else { throw ControlFailure(.invalidArgument, "arguments are a JSON object") }
        try self.init(checking: ControlArguments(o))
    }
    public func encode(to encoder: any Encoder) throws { try JSONValue.object(wire).encode(to: encoder) }
}

/// A command that takes none.
public struct NoArguments: CommandArguments {
    public init() {}
    public init(checking a: ControlArguments) throws(ControlFailure) {}
    public var wire: [String: JSONValue] { [:] }
}

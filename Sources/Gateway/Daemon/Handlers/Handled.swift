import Control

/// A command the daemon answers: its handler, beside the definition in Control/Commands. `Commands.all` is the
/// dispatch table; a command without a handler is refused as unknown (and `RegistryTests` fails).
protocol Handled: ControlCommand {
    static func handle(_ arguments: Arguments, _ context: CommandContext) async throws -> ControlReply
}

/// What a handler may use: the daemon's state and services, who asked, and on which connection.
struct CommandContext: Sendable {
    let daemon: ControlCommands
    let peer: PeerInfo
    let connection: ControlConnection
}

extension Handled {
    /// The reply as its declared type: the CLI decodes exactly this.
    static func reply(_ value: Reply) throws -> ControlReply { try .result(value) }
}

extension ControlCommands {
    /// Finds the request's command in the registry, checks its arguments, and runs its handler.
    func dispatch(_ request: ControlRequest, peer: PeerInfo, connection: ControlConnection) async throws -> ControlReply {
        let command = try Commands.find(request)
        guard let handled = command as? any Handled.Type else {
            throw ControlFailure(.unknownCommand, "this daemon has no handler for '\(request.cmd)'")
        }
        return try await run(handled, request, CommandContext(daemon: self, peer: peer, connection: connection))
    }

    private func run<C: Handled>(_ command: C.Type, _ request: ControlRequest, _ context: CommandContext) async throws -> ControlReply {
        try await C.handle(try C.Arguments(checking: ControlArguments(request.args)), context)
    }
}

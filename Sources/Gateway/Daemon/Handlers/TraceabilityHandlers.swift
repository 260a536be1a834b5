import Control

extension Commands.Scans: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply { try await c.daemon.recentScans(limit: a.limit) }
}

extension Commands.Inventory: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply {
        try c.daemon.inventory(fridge: a.fridge, expiring: a.expiring)
    }
}

extension Commands.Lookup: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply { try await c.daemon.lookup(a.code) }
}

extension Commands.HoldAdd: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply { try await c.daemon.addHold(a, peer: c.peer) }
}

extension Commands.HoldList: Handled {
    static func handle(_ a: NoArguments, _ c: CommandContext) async throws -> ControlReply { try reply(c.daemon.scans.holds) }
}

extension Commands.HoldRemove: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply { try await c.daemon.removeHold(a.id, peer: c.peer) }
}

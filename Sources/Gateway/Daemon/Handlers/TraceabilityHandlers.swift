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

extension Commands.ReceiveImport: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply {
        let scans = c.daemon.scans, now = c.daemon.clock.now(), uid = c.peer.uid
        switch try await onQueue(c.daemon.writeQueue, { scans.receive(a, uid: uid, at: now) }) {
        case .success(let r): return try reply(r)
        case .failure(let f): return .failure(f)
        }
    }
}

extension Commands.ReceiveStatus: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply {
        switch c.daemon.scans.billStatus(a.bill) {
        case .success(let r): return try reply(r)
        case .failure(let f): return .failure(f)
        }
    }
}

extension Commands.ReceiveClose: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply {
        let scans = c.daemon.scans, now = c.daemon.clock.now(), uid = c.peer.uid
        switch try await onQueue(c.daemon.writeQueue, { scans.closeBill(a.bill, by: a.by, note: a.note, uid: uid, at: now) }) {
        case .success(let r): return try reply(r)
        case .failure(let f): return .failure(f)
        }
    }
}

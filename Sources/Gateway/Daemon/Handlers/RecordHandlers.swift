import Control

extension Commands.Readings: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply {
        try await c.daemon.readings(fridge: a.fridge, since: a.since, every: a.every, connection: c.connection)
    }
}

extension Commands.Excursions: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply { try await c.daemon.excursions(openOnly: a.openOnly) }
}

extension Commands.Report: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply {
        try await c.daemon.reportDaily(year: a.month.year, month: a.month.month, fridge: a.fridge)
    }
}

extension Commands.Chart: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply { try await c.daemon.chart(fridge: a.fridge, since: a.since) }
}

extension Commands.Alarms: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply { try await c.daemon.alarms(since: a.since) }
}

extension Commands.Ack: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply {
        try await c.daemon.acknowledge(alarm: a.alarm, note: a.note, by: a.by, peer: c.peer)
    }
}

extension Commands.Check: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply {
        try await c.daemon.check(a.fridge, celsius: a.celsius, by: a.by, note: a.note, peer: c.peer)
    }
}

extension Commands.Assess: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply {
        let scans = c.daemon.scans, now = c.daemon.clock.now(), uid = c.peer.uid
        switch try await onQueue(c.daemon.writeQueue, {
            scans.assess(excursion: a.excursion, decision: a.decision, codes: a.doses, by: a.by, note: a.note, uid: uid, at: now)
        }) {
        case .success(let r): return try reply(r)
        case .failure(let f): return .failure(f)
        }
    }
}

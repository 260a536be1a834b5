import ColdChain
import Control
import Glibc
import POSIX
import Storage

extension Commands.Status: Handled {
    static func handle(_ a: NoArguments, _ c: CommandContext) async throws -> ControlReply {
        var status = c.daemon.status()
        status.recent = await c.daemon.recentHistory()
        return try reply(status)
    }
}

extension Commands.Fridges: Handled {
    static func handle(_ a: NoArguments, _ c: CommandContext) async throws -> ControlReply { try reply(c.daemon.hub.fridgeStatus(now: c.daemon.clock.now())) }
}

extension Commands.Watch: Handled {
    static func handle(_ a: NoArguments, _ c: CommandContext) async throws -> ControlReply { try c.daemon.watch(c.connection) }
}

extension Commands.Outbox: Handled {
    static func handle(_ a: NoArguments, _ c: CommandContext) async throws -> ControlReply { try await c.daemon.outbox() }
}

extension Commands.UplinkRetry: Handled {
    static func handle(_ a: NoArguments, _ c: CommandContext) async throws -> ControlReply {
        guard c.daemon.config.platform != nil else { throw ControlFailure(.unavailable, "no platform is configured") }
        c.daemon.uplink.retryRequested.withLock { $0 = true }
        return try reply(RetryReply(retry: true))
    }
}

extension Commands.BackupNow: Handled {
    static func handle(_ a: NoArguments, _ c: CommandContext) async throws -> ControlReply { try await c.daemon.backupNow() }
}

extension Commands.NotifyTest: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply { try await c.daemon.notifyTest(channel: a.channel) }
}

extension Commands.Verify: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply { try await c.daemon.verify(a.anchors) }
}

extension Commands.Version: Handled {
    static func handle(_ a: NoArguments, _ c: CommandContext) async throws -> ControlReply {
        let d = c.daemon
        return try reply(VersionReply(version: ColdChain.Version.current, build: BuildInfo.id, configuration: BuildInfo.configuration,
                                      schema: LedgerSchema.latest, migrations: LedgerSchema.count, pid: Int(getpid()),
                                      startedAt: RFC3339.format(d.startedAt), uptimeSeconds: d.clock.now().timeIntervalSince(d.startedAt).rounded()))
    }
}

extension Commands.Help: Handled {
    static func handle(_ a: NoArguments, _ c: CommandContext) async throws -> ControlReply { try reply(HelpReply(commands: Commands.names)) }
}

extension Commands.WebLoginLocked: Handled {
    static func handle(_ a: Arguments, _ c: CommandContext) async throws -> ControlReply {
        c.daemon.log.warning("coldchain-web: login name '\(a.name)' locked for \(a.minutes) min after \(a.failures) failed logins "
                             + "(last from \(a.address)); reported by pid \(c.peer.pid), uid \(c.peer.uid)")
        return try reply(LoggedReply(logged: true))
    }
}

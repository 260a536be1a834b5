import ColdChain

extension Commands {
    public enum Status: ControlCommand {
        public typealias Reply = StatusReply
        public static let wire = WireName("status")
        public static let summary = "the gateway, its ledger, its fridges, buses, alarms and uplink"
    }

    public enum Fridges: ControlCommand {
        public typealias Reply = [FridgeStatus]
        public static let wire = WireName("fridges")
        public static let summary = "each fridge: state, last temperature, sensors, open alarms"
    }

    public enum Watch: ControlCommand {
        public typealias Reply = WatchStarted
        public static let wire = WireName("watch")
        public static let summary = "live stream of readings, excursions, alarms and scans (Ctrl-C to stop)"
    }

    public enum Outbox: ControlCommand {
        public typealias Reply = UplinkStatus
        public static let wire = WireName("outbox")
        public static let summary = "what waits for the platform: pending events, oldest, last success, last error, state"
    }

    public enum UplinkRetry: ControlCommand {
        public typealias Reply = RetryReply
        public static let wire = WireName("uplink", "action", "retry")
        public static let summary = "send again after the platform refused a batch"
    }

    public enum BackupNow: ControlCommand {
        public typealias Reply = BackupReply
        public static let wire = WireName("backup", "action", "now")
        public static let summary = "copy the ledger to the backup folder now (it also runs daily), checked"
    }

    public enum NotifyTest: ControlCommand {
        public typealias Reply = [NotifyTestResult]
        public static let wire = WireName("notify", "action", "test")
        public static let synopsis = "[--channel NAME]"
        public static let summary = "send a test message through every notify channel (or one), now"

        public struct Arguments: CommandArguments {
            public var channel: String?
            public init(channel: String?) { self.channel = channel }
            public init(checking a: ControlArguments) throws(ControlFailure) { channel = try a.string("channel", maxLength: 64) }
            public var wire: [String: JSONValue] { wireObject([("channel", channel.map(JSONValue.string))]) }
        }
    }

    public enum Verify: ControlCommand {
        public typealias Reply = VerifyReport
        public static let wire = WireName("verify")
        public static let synopsis = "[--ledger FILE] [--anchor SEQ:HASH]..."
        public static let summary = "check the hash chain (and the head the platform confirmed, and each anchor\ngiven: from a backup, a record sheet); names the first broken event.\nWith --ledger, a ledger file, without a running daemon"
        public static let anchorForm = "an anchor is SEQ:HASH, the hash 64 hex digits or its first 16 or more (e.g. 1200:9f86d081884c7d65)"

        public struct Arguments: CommandArguments {
            public var anchors: [String]
            public init(anchors: [String]) { self.anchors = anchors }
            public init(checking a: ControlArguments) throws(ControlFailure) {
                switch a.values["anchors"] {
                case nil, .null?: anchors = []
                case .array(let list)? where list.count <= 100:
                    anchors = []
                    for item in list {
                        guard let text = item.stringValue, text.utf8.count <= 100 else { throw ControlFailure(.invalidArgument, anchorForm) }
                        anchors.append(text)
                    }
                default: throw ControlFailure(.invalidArgument, "anchors must be a list of at most 100 SEQ:HASH strings")
                }
            }
            public var wire: [String: JSONValue] { anchors.isEmpty ? [:] : ["anchors": .array(anchors.map { .string($0) })] }
        }
    }

    /// What the running daemon is: its version, build, ledger schema and uptime.
    public enum Version: ControlCommand {
        public typealias Reply = VersionReply
        public static let wire = WireName("version")
        public static let summary = "the daemon's version, build, ledger schema and uptime (and this program's)"
    }

    public enum Help: ControlCommand {
        public typealias Reply = HelpReply
        public static let wire = WireName("help")
        public static let summary = "this text"
    }

    /// coldchain-web's report that a name was locked after failed logins: the daemon writes it to its log (the
    /// journal), where the technician's other security lines are. Sent by coldchain-web, never typed.
    public enum WebLoginLocked: ControlCommand {
        public typealias Reply = LoggedReply
        public static let wire = WireName("web", "event", "login_locked", typed: false)
        public static let summary = "coldchain-web: a name locked after failed logins, for the daemon's log"
        public static var forPeople: Bool { false }

        public struct Arguments: CommandArguments {
            public var name: String
            public var address: String
            public var failures: Int
            public var minutes: Int
            public init(name: String, address: String, failures: Int, minutes: Int) {
                self.name = name; self.address = address; self.failures = failures; self.minutes = minutes
            }
            public init(checking a: ControlArguments) throws(ControlFailure) {
                name = try a.required(try a.personText("name", maxLength: 32), "which name was locked?")
                let addr = try a.required(try a.string("address", maxLength: 45), "from which address?")
                // An IPv4 or IPv6 address's characters only: it goes into a log line.
                guard addr.unicodeScalars.allSatisfy({ "0123456789abcdefABCDEF.:".unicodeScalars.contains($0) }) else {
                    throw ControlFailure(.invalidArgument, "address is an IP address")
                }
                address = addr
                failures = try a.required(try a.integer("failures", in: 1...1000), "how many failures?")
                minutes = try a.required(try a.integer("minutes", in: 1...1440), "locked for how many minutes?")
            }
            public var wire: [String: JSONValue] {
                ["name": .string(name), "address": .string(address), "failures": .number(Double(failures)), "minutes": .number(Double(minutes))]
            }
        }
    }
}

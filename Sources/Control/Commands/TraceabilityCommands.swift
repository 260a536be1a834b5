import ColdChain

extension Commands {
    public enum Scans: ControlCommand {
        public typealias Reply = [ScanRow]
        public static let wire = WireName("scans")
        public static let synopsis = "[--limit N] [--csv]"
        public static let summary = "the latest scans with their verdicts"
        public static let narrowing = "ask for fewer (scans --limit 1000)"
        public static let limits = 1...10_000

        public struct Arguments: CommandArguments {
            public var limit: Int
            public init(limit: Int) { self.limit = limit }
            public init(checking a: ControlArguments) throws(ControlFailure) { limit = try a.integer("limit", in: limits, default: 20)! }
            public var wire: [String: JSONValue] { ["limit": .number(Double(limit))] }
        }
    }

    public enum Inventory: ControlCommand {
        public typealias Reply = [StockGroup]
        public static let wire = WireName("inventory")
        public static let synopsis = "[--fridge F] [--expiring 30d] [--csv]"
        public static let summary = "doses in stock by product, lot and expiry, earliest first"

        public struct Arguments: CommandArguments {
            public var fridge: String?
            public var expiring: DurationArgument?
            public init(fridge: String?, expiring: DurationArgument?) { self.fridge = fridge; self.expiring = expiring }
            public init(checking a: ControlArguments) throws(ControlFailure) {
                fridge = try a.string("fridge")
                expiring = try a.durationArgument("expiring", in: 0...ControlArguments.maxWindow)
            }
            public var wire: [String: JSONValue] {
                wireObject([("fridge", fridge.map(JSONValue.string)), ("expiring", expiring.map { .string($0.text) })])
            }
        }
    }

    public enum Lookup: ControlCommand {
        public typealias Reply = DoseHistory
        public static let wire = WireName("lookup")
        public static let synopsis = "CODE"
        public static let summary = "one dose's history: scans in and out, excursions it sat through, holds"

        public struct Arguments: CommandArguments {
            public var code: String
            public init(code: String) { self.code = code }
            public init(checking a: ControlArguments) throws(ControlFailure) {
                code = try a.required(try a.string("code", maxLength: ControlArguments.maxCode, allowGS: true), "lookup CODE")
            }
            public var wire: [String: JSONValue] { ["code": .string(code)] }
        }
    }

    /// What `hold add` names: a GTIN or a Chinese product id, optionally narrowed to a lot or one code.
    public enum HoldAdd: ControlCommand {
        public typealias Reply = Hold
        public static let wire = WireName("hold", "action", "add")
        public static let synopsis = "--gtin G [--lot L | --code C] --reason TEXT"
        public static let summary = "(or --product P for a Chinese product id)"

        public struct Arguments: CommandArguments {
            public var gtin: String?
            public var product: String?
            public var lot: String?
            public var code: String?
            public var reason: String
            public init(gtin: String?, product: String?, lot: String?, code: String?, reason: String) {
                self.gtin = gtin; self.product = product; self.lot = lot; self.code = code; self.reason = reason
            }
            public init(checking a: ControlArguments) throws(ControlFailure) {
                gtin = try a.string("gtin"); product = try a.string("product"); lot = try a.string("lot", maxLength: 20)
                code = try a.string("code", maxLength: ControlArguments.maxCode, allowGS: true)
                reason = try a.personText("reason", maxLength: ControlArguments.maxNote) ?? ""
            }
            public var wire: [String: JSONValue] {
                wireObject([("reason", .string(reason)), ("gtin", gtin.map(JSONValue.string)), ("product", product.map(JSONValue.string)),
                            ("lot", lot.map(JSONValue.string)), ("code", code.map(JSONValue.string))])
            }
        }
    }

    public enum HoldList: ControlCommand {
        public typealias Reply = [Hold]
        public static let wire = WireName("hold", "action", "list", isDefault: true)
        public static let summary = "holds in force, local and from the platform"
    }

    public enum HoldRemove: ControlCommand {
        public typealias Reply = HoldRemovedReply
        public static let wire = WireName("hold", "action", "remove")
        public static let synopsis = "ID"
        public static let summary = "lift a local hold"

        public struct Arguments: CommandArguments {
            public var id: Int
            public init(id: Int) { self.id = id }
            public init(checking a: ControlArguments) throws(ControlFailure) {
                id = try a.required(try a.integer("id", in: 1...Int(Int32.max)), "hold remove ID")
            }
            public var wire: [String: JSONValue] { ["id": .number(Double(id))] }
        }
    }
}

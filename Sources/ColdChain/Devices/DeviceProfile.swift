/// A probe model's register map and quirks, from `Devices/NAME.json5`.
public struct DeviceProfile: Sendable, Equatable {
    public enum Table: String, Sendable { case holding, input }
    public enum ValueType: String, Sendable, CaseIterable {
        case int16, uint16, int32, uint32, float32
        /// Registers one value spans.
        public var registerCount: Int { self == .int16 || self == .uint16 ? 1 : 2 }
    }
    public enum WordOrder: String, Sendable { case big, little }

    public struct Field: Sendable, Equatable {
        public var table: Table
        public var address: Int
        public var type: ValueType
        public var scale: Double
        public var offset: Double
        /// Some probes encode negatives as an offset (raw >= threshold means `threshold - raw`) instead of two's complement.
        public var negativeFrom: Int?

        public init(table: Table, address: Int, type: ValueType, scale: Double = 1, offset: Double = 0, negativeFrom: Int? = nil) {
            self.table = table; self.address = address; self.type = type; self.scale = scale; self.offset = offset
            self.negativeFrom = negativeFrom
        }
    }

    /// A register some probes use to say their reading is bad, instead of a special value.
    public struct StatusRegister: Sendable, Equatable {
        public var table: Table
        public var address: Int
        /// The values that mean "reading valid"; anything else is a probe fault.
        public var okValues: [Int]
        public init(table: Table, address: Int, okValues: [Int]) { self.table = table; self.address = address; self.okValues = okValues }
    }

    /// The serial settings the manual gives as factory defaults; check-config warns on a mismatch.
    public struct SerialDefaults: Sendable, Equatable {
        public var baud: Int?
        public var parity: Parity?
        public var dataBits: Int?
        public var stopBits: Int?
        public var unit: Int?
    }

    public var id: String
    public var vendor: String
    public var model: String
    public var manual: String?
    public var temperature: Field
    public var humidity: Field?
    public var invalidRaw: [Int]
    public var wordOrder: WordOrder
    public var pauseBetweenRequests: Double
    public var oneRequestPerField: Bool
    public var serial: SerialDefaults?
    /// Readings outside this range are probe faults, not temperatures.
    public var validRangeC: ClosedRange<Double>
    public var status: StatusRegister? = nil

    public init(id: String, vendor: String, model: String, manual: String?, temperature: Field, humidity: Field?,
                invalidRaw: [Int], wordOrder: WordOrder, pauseBetweenRequests: Double, oneRequestPerField: Bool,
                serial: SerialDefaults?, validRangeC: ClosedRange<Double>) {
        self.id = id; self.vendor = vendor; self.model = model; self.manual = manual; self.temperature = temperature
        self.humidity = humidity; self.invalidRaw = invalidRaw; self.wordOrder = wordOrder
        self.pauseBetweenRequests = pauseBetweenRequests; self.oneRequestPerField = oneRequestPerField
        self.serial = serial; self.validRangeC = validRangeC
    }
}

extension DeviceProfile {
    static let fieldKeys = ["table", "address", "type", "scale", "offset", "negative_from"]

    /// Validates a parsed profile document; problems go to `problems` with their key paths.
    public static func decode(_ root: ConfigNode, expectedID: String?) -> DeviceProfile? {
        guard let o = root.object(allowed: ["id", "vendor", "model", "manual", "registers", "invalid_raw", "word_order",
                                            "workarounds", "serial", "valid_range_c", "notes", "status"]) else { return nil }
        let id = o.string("id")
        if let id, let expectedID, id != expectedID {
            o.child("id")!.problem("profile id '\(id)' does not match its file name '\(expectedID).json5'")
        }
        let vendor = o.string("vendor")
        let model = o.string("model")
        let manual = o.string("manual", required: false)
        if let c = o.child("notes") { _ = c.string }
        var temperature: Field?
        var humidity: Field?
        if let regs = o.object("registers", allowed: ["temperature_c", "humidity_pct"]) {
            temperature = regs.object("temperature_c", allowed: fieldKeys).flatMap(field)
            humidity = regs.object("humidity_pct", allowed: fieldKeys, required: false).flatMap(field)
        }
        var invalid: [Int] = []
        for n in o.array("invalid_raw") {
            if case .number(let d) = n.value, d.rounded() == d, abs(d) <= 4_294_967_295 { invalid.append(Int(d)) }
            else { n.problem("expected a whole raw register value, found \(n.value.kindName)") }
        }
        let order = o.choice("word_order", ["big", "little"], default: "big").flatMap(WordOrder.init(rawValue:))
        var pause = 0.0, perField = false
        if let w = o.object("workarounds", allowed: ["pause_between_requests", "one_request_per_field"], required: false) {
            pause = w.duration("pause_between_requests", in: 0...5, default: 0) ?? 0
            perField = w.bool("one_request_per_field", default: false)
        }
        var serial: SerialDefaults?
        if let s = o.object("serial", allowed: ["baud", "parity", "data_bits", "stop_bits", "unit"], required: false) {
            serial = SerialDefaults(
                baud: s.has("baud") ? s.integer("baud", in: 300...230_400) : nil,
                parity: s.has("parity") ? s.choice("parity") as Parity? : nil,
                dataBits: s.has("data_bits") ? s.integer("data_bits", in: 7...8) : nil,
                stopBits: s.has("stop_bits") ? s.integer("stop_bits", in: 1...2) : nil,
                unit: s.has("unit") ? s.integer("unit", in: 1...247) : nil)
        }
        var range: ClosedRange<Double> = -60...100
        if let r = o.child("valid_range_c") {
            if let a = r.value.arrayValue, a.count == 2, let lo = a[0].doubleValue, let hi = a[1].doubleValue, lo < hi {
                range = lo...hi
            } else {
                r.problem("expected [lowest, highest] in °C, e.g. [-40, 80]")
            }
        }
        var status: StatusRegister?
        if let s = o.object("status", allowed: ["table", "address", "ok"], required: false) {
            let table = s.choice("table", ["holding", "input"]).flatMap(Table.init(rawValue:))
            let address = s.integer("address", in: 0...65535)
            var ok: [Int] = []
            for n in s.array("ok", required: true) {
                if let v = n.value.intValue, (0...65535).contains(v) { ok.append(v) } else { n.problem("expected a register value 0...65535") }
            }
            if let table, let address { status = StatusRegister(table: table, address: address, okValues: ok) }
        }
        guard let id, let vendor, let model, let temperature, let order, !root.problems.hasErrors else { return nil }
        var profile = DeviceProfile(id: id, vendor: vendor, model: model, manual: manual, temperature: temperature,
                                    humidity: humidity, invalidRaw: invalid, wordOrder: order, pauseBetweenRequests: pause,
                                    oneRequestPerField: perField, serial: serial, validRangeC: range)
        profile.status = status
        return profile
    }

    static func field(_ f: ConfigObject) -> Field? {
        let table = f.choice("table", ["holding", "input"]).flatMap(Table.init(rawValue:))
        let address = f.integer("address", in: 0...65535)
        let type = f.choice("type", ValueType.allCases.map(\.rawValue)).flatMap(ValueType.init(rawValue:))
        let scale = f.number("scale", in: -1e6...1e6, default: 1)
        if scale == 0 { f.child("scale")?.problem("scale 0 would turn every reading into 0") }
        let offset = f.number("offset", in: -1e6...1e6, default: 0)
        let negativeFrom = f.has("negative_from") ? f.integer("negative_from", in: 1...65535) : nil
        guard let table, let address, let type, let scale, let offset else { return nil }
        return Field(table: table, address: address, type: type, scale: scale, offset: offset, negativeFrom: negativeFrom)
    }
}

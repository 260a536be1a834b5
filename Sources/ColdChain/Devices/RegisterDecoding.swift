/// Turns raw Modbus registers into a temperature (or humidity), or says why the probe's answer is a fault.
public enum ProbeValue: Sendable, Equatable {
    case value(Double)
    /// The probe answered, but with a value that is not a measurement.
    case fault(String)
}

extension DeviceProfile.Field {
    /// Decodes this field from `registers`, which start at register `base`.
    public func decode(_ registers: [UInt16], base: Int, wordOrder: DeviceProfile.WordOrder, invalidRaw: [Int],
                       validRange: ClosedRange<Double>) -> ProbeValue {
        let i = address - base
        guard i >= 0, i + type.registerCount <= registers.count else { return .fault("register \(address) missing from the reply") }
        let raw: Double
        let rawInt: Int?
        switch type {
        case .int16:
            let r = Int(Int16(bitPattern: registers[i]))
            rawInt = r
            raw = Double(r)
        case .uint16:
            var r = Int(registers[i])
            // Some probes encode below-zero as an offset (raw >= N means -(raw - N)) instead of two's complement.
            if let n = negativeFrom, r >= n { r = -(r - n) }
            rawInt = Int(registers[i])
            raw = Double(r)
        case .int32, .uint32, .float32:
            let (hi, lo) = wordOrder == .big ? (registers[i], registers[i + 1]) : (registers[i + 1], registers[i])
            let bits = UInt32(hi) << 16 | UInt32(lo)
            switch type {
            case .int32: rawInt = Int(Int32(bitPattern: bits)); raw = Double(Int32(bitPattern: bits))
            case .uint32: rawInt = Int(bits); raw = Double(bits)
            default:
                rawInt = nil
                let f = Float(bitPattern: bits)
                guard f.isFinite else { return .fault("probe reports \(f.isNaN ? "NaN" : "infinity") (sensor fault)") }
                raw = Double(f)
            }
        }
        if let r = rawInt, invalidRaw.contains(r) || (type == .int16 && invalidRaw.contains(Int(registers[i]))) {
            return .fault("raw value \(r) means probe fault")
        }
        // Rounded to 1e-6 °C, far below any probe's resolution: -101 × 0.1 is -10.1, not -10.100000000000001.
        let v = ((raw * scale + offset) * 1e6).rounded() / 1e6
        guard validRange.contains(v) else {
            return .fault("\(JSONValue.number((v * 100).rounded() / 100).serialized) is outside the probe's physical range")
        }
        return .value(v)
    }
}

extension DeviceProfile {
    /// The register reads a poll needs: one span for all fields of a table when they are close, or one request per
    /// field when the profile says the probe needs that.
    public var reads: [(table: Table, address: Int, count: Int)] {
        let fields = [temperature] + (humidity.map { [$0] } ?? [])
            + (status.map { [Field(table: $0.table, address: $0.address, type: .uint16)] } ?? [])
        if oneRequestPerField { return fields.map { ($0.table, $0.address, $0.type.registerCount) } }
        var out: [(Table, Int, Int)] = []
        for table in [Table.holding, .input] {
            let f = fields.filter { $0.table == table }
            guard let lo = f.map(\.address).min(), let hi = f.map({ $0.address + $0.type.registerCount }).max() else { continue }
            if hi - lo <= 32 { out.append((table, lo, hi - lo)) } else { out += f.map { (table, $0.address, $0.type.registerCount) } }
        }
        return out
    }

    /// Decodes temperature and humidity from the replies to `reads`, in the same order.
    public func decode(_ replies: [[UInt16]]) -> (temperature: ProbeValue, humidity: ProbeValue?) {
        if let s = status {
            guard let word = register(s.table, s.address, in: replies) else { return (.fault("no reply for status register \(s.address)"), nil) }
            if !s.okValues.contains(Int(word)) { return (.fault("status register \(s.address) reports \(word) (reading not valid)"), nil) }
        }
        func find(_ f: Field) -> ProbeValue {
            for (r, read) in zip(replies, reads) where read.table == f.table && f.address >= read.address
                && f.address + f.type.registerCount <= read.address + read.count {
                return f.decode(r, base: read.address, wordOrder: wordOrder, invalidRaw: invalidRaw, validRange: validRangeC)
            }
            return .fault("no reply for register \(f.address)")
        }
        let h = humidity.map { f -> ProbeValue in
            let v = find(f)
            if case .value(let x) = v, !(0...100).contains(x) { return .fault("humidity \(x)% is impossible") }
            return v
        }
        return (find(temperature), h)
    }

    /// One raw register from the replies to `reads`.
    func register(_ table: Table, _ address: Int, in replies: [[UInt16]]) -> UInt16? {
        for (r, read) in zip(replies, reads) where read.table == table && address >= read.address && address < read.address + read.count {
            return r[safe: address - read.address]
        }
        return nil
    }
}

extension Array {
    public subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}

extension DeviceProfile.Field {
    /// The registers a probe would send for `value` (the inverse of `decode`); for the simulator.
    public func encode(_ value: Double, wordOrder: DeviceProfile.WordOrder) -> [UInt16] {
        let raw = (value - offset) / scale
        switch type {
        case .int16: return [UInt16(bitPattern: Int16(clamping: Int(raw.rounded())))]
        case .uint16:
            var r = Int(raw.rounded())
            if r < 0, let n = negativeFrom { r = n - r }
            return [UInt16(clamping: r)]
        case .int32, .uint32, .float32:
            let bits: UInt32
            switch type {
            case .int32: bits = UInt32(bitPattern: Int32(clamping: Int(raw.rounded())))
            case .uint32: bits = UInt32(clamping: Int(raw.rounded()))
            default: bits = Float(raw).bitPattern
            }
            let hi = UInt16(bits >> 16), lo = UInt16(bits & 0xFFFF)
            return wordOrder == .big ? [hi, lo] : [lo, hi]
        }
    }

    /// What a faulty probe sends: its first invalid raw value, or NaN for floats.
    public func faultRegisters(invalidRaw: [Int], wordOrder: DeviceProfile.WordOrder) -> [UInt16] {
        switch type {
        case .float32:
            let bits = Float.nan.bitPattern
            let hi = UInt16(bits >> 16), lo = UInt16(bits & 0xFFFF)
            return wordOrder == .big ? [hi, lo] : [lo, hi]
        case .int16: return [UInt16(bitPattern: Int16(clamping: invalidRaw.first ?? -32768))]
        default:
            let r = invalidRaw.first ?? 0xFFFF
            return type.registerCount == 1 ? [UInt16(truncatingIfNeeded: r)] : [UInt16(truncatingIfNeeded: r >> 16), UInt16(truncatingIfNeeded: r)]
        }
    }
}

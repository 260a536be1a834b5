extension GatewayConfig {
    /// The one-screen summary `coldchaind --check-config` prints for a valid file.
    public var summary: String {
        var lines: [String] = []
        lines.append("\(file): OK")
        lines.append("gateway   \(gateway.id) — \(gateway.site)")
        lines.append("ledger    \(storage.path) (heartbeat every \(DurationText.describe(storage.heartbeat)))")
        lines.append(storageEstimate)
        if let b = storage.backup { lines.append("backup    \(b.dir) daily at \(b.at / 60 < 10 ? "0" : "")\(b.at / 60):\(b.at % 60 < 10 ? "0" : "")\(b.at % 60), keep \(b.keep) set-aside copies") }
        lines.append("control   \(control.socket)" + (control.group.map { " (group \($0))" } ?? ""))
        lines.append("buses     \(buses.count)")
        for b in buses {
            switch b.transport {
            case .rtu(let device, let baud, let parity, let dataBits, let stopBits):
                lines.append("  \(b.id): RTU \(device) \(baud) \(dataBits)\(parity.letter)\(stopBits), timeout \(DurationText.describe(b.timeout))")
            case .tcp(let host, let port):
                lines.append("  \(b.id): TCP \(host):\(port), timeout \(DurationText.describe(b.timeout))")
            }
        }
        lines.append("fridges   \(fridges.count)")
        for f in fridges {
            var rule = f.alarm.name
            if let lo = f.alarm.low { rule += " low \(lo.inclusive ? "<=" : "<")\(JSONValue.number(lo.limitC).serialized)°C" }
            if let hi = f.alarm.high { rule += " high \(hi.inclusive ? ">=" : ">")\(JSONValue.number(hi.limitC).serialized)°C" }
            lines.append("  \(f.id) \"\(f.name)\": \(f.sensors.count) sensor(s), alarm \(rule)"
                         + (f.alarmOutput.map { ", output \($0.bus)/\($0.unit) coil \($0.coil)" } ?? ""))
            for s in f.sensors {
                lines.append("    \(s.id): \(s.bus) unit \(s.unit), \(s.profile), every \(DurationText.describe(s.poll))")
            }
        }
        if let n = power.nut {
            lines.append("power     UPS \(n.ups) at upsd \(n.host):\(n.port)" + (n.user.map { " as \($0)" } ?? "") + ", every \(DurationText.describe(power.poll))"
                         + ", alarm " + (power.alarmAfter == 0 ? "at once" : "after \(DurationText.describe(power.alarmAfter))"))
        }
        if !inputs.isEmpty { lines.append("inputs    \(inputs.count)") }
        for i in inputs {
            let delay = i.fridge.flatMap { f in fridges.first { $0.id == f }?.alarm.doorOpenAfter }
            lines.append("  \(i.id): \(i.kind.rawValue)" + (i.fridge.map { " of \($0)" } ?? " (every fridge)")
                         + ", \(i.bus) unit \(i.unit) \(i.table.rawValue) \(i.address)\(i.invert ? " inverted" : ""), every \(DurationText.describe(i.poll))"
                         + (i.kind == .door ? ", alarm " + (delay.map { "after \(DurationText.describe($0)) open" } ?? "none") : ""))
        }
        lines.append("scanners  \(scanners.count)")
        for s in scanners { lines.append("  \(s.id): \(s.device) \(s.baud) baud → \(s.fridge), mode \(s.mode)") }
        if let file = catalogueFile { lines.append("catalogue \(catalogue.products.count) product(s) from \(file)") }
        if let p = platform {
            lines.append("platform  \(p.address) (\(p.mqtt.map { "MQTT, \($0.format.rawValue), topic \($0.eventsTopic(gateway: gateway.id)), QoS \($0.qos), \($0.inflight) in flight" } ?? p.format.rawValue))")
        } else {
            lines.append("platform  none: nothing is forwarded")
        }
        if let c = alarmCommand { lines.append("alarm cmd \(c)" + (notify != nil ? " (through notify's command channels)" : "")) }
        if let n = notify {
            for (i, l) in n.levels.enumerated() {
                lines.append("notify    level \(i + 1) " + (l.after == 0 ? "at once" : "after \(DurationText.describe(l.after))") + ": \(l.to.joined(separator: ", "))")
            }
            for (cause, levels) in n.causeLevels.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                lines.append("  \(cause.rawValue): " + levels.map { "after \(DurationText.describe($0.after)) \($0.to.joined(separator: ", "))" }.joined(separator: "; "))
            }
            lines.append("  repeat " + (n.repeatEvery.map { "every \(DurationText.describe($0))" } ?? "never"))
            for c in n.channels.values.sorted(by: { $0.name < $1.name }) {
                let who = c.kind == .sms ? c.numbers.map(PhoneNumber.masked).joined(separator: ", ") : c.mobiles.map(PhoneNumber.masked).joined(separator: ", ")
                lines.append("  \(c.name): \(c.kind.rawValue)" + (c.kind == .sms ? " via \(c.tool.rawValue)" : "") + (who.isEmpty ? "" : " → \(who)"))
            }
        }
        return lines.joined(separator: "\n")
    }
}

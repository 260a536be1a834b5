import ColdChain
import Foundation
@testable import Gateway
import Testing
import TestSupport

/// The shipped profiles decode the worked examples of their manuals.
@Suite struct DeviceProfileTests {
    func profile(_ id: String) throws -> DeviceProfile {
        try ConfigFile.loadProfile(file: packageRoot() + "/Devices/\(id).json5", expectedID: id).get()
    }

    /// Replies to the profile's reads, filled from a register map.
    func replies(_ p: DeviceProfile, _ map: [DeviceProfile.Table: [Int: UInt16]]) -> [[UInt16]] {
        p.reads.map { r in (r.address..<r.address + r.count).map { map[r.table]?[$0] ?? 0 } }
    }

    @Test func xyMD02() throws {
        let p = try profile("xy-md02")
        #expect(p.decode(replies(p, [.input: [1: 0x0131, 2: 0x0222]])) == (.value(30.5), .value(54.6)))
        #expect(p.decode(replies(p, [.input: [1: 0xFF33, 2: 0x0222]])).temperature == .value(-20.5))
        #expect(p.serial?.baud == 9600 && p.serial?.parity == Parity.none && p.serial?.unit == 1)
    }

    @Test func renkeHumidityComesFirst() throws {
        let p = try profile("renke-rs-ws-n01-8")
        let (t, h) = p.decode(replies(p, [.holding: [0: 0x0292, 1: 0xFF9B]]))
        #expect(t == .value(-10.1) && h == .value(65.8))
        #expect(p.serial?.baud == 4800)
    }

    @Test func kinconyOffsetNegatives() throws {
        let p = try profile("kincony-sht30-rs485")
        #expect(p.decode(replies(p, [.input: [0: 10250, 1: 500]])) == (.value(-25.0), .value(50.0)))
        #expect(p.decode(replies(p, [.input: [0: 250, 1: 500]])).temperature == .value(25.0))
    }

    @Test func siemensStatusRegisterAndNumberingFromOne() throws {
        let p = try profile("siemens-qfa3150-mo")
        #expect(p.decode(replies(p, [.holding: [0: 512, 1: 0, 2: 4550]])) == (.value(5.12), .value(45.5)))
        if case .fault(let why) = p.decode(replies(p, [.holding: [0: 512, 1: 1, 2: 4550]])).temperature {
            #expect(why.contains("status register 1 reports 1"))
        } else { Issue.record("a bad reliability flag was taken as a reading") }
    }

    @Test func th332Floats() throws {
        let p = try profile("controlbox-th332")
        let t = Float(4.75).bitPattern, h = Float(51.5).bitPattern
        let (tc, hc) = p.decode(replies(p, [.holding: [0: UInt16(t >> 16), 1: UInt16(t & 0xFFFF), 2: UInt16(h >> 16), 3: UInt16(h & 0xFFFF)]]))
        #expect(tc == .value(4.75) && hc == .value(51.5))
    }

    @Test func serialMismatchIsAWarningInCheckConfig() throws {
        let text = validConfig.replacingOccurrences(of: #"{ id: "F1-air", bus: "lan", unit: 1, profile: "generic-int16-x10", poll: "60s" }"#,
                                                    with: #"{ id: "F1-air", bus: "rs485", unit: 1, profile: "renke-rs-ws-n01-8", poll: "60s" }"#)
        let dir = TempDir("cc-profiles")
        let text2 = text.replacingOccurrences(of: #"devices_dir: "devices""#, with: #"devices_dir: "\#(packageRoot())/Devices""#)
        let (_, warnings) = try ConfigLoader.load(path: dir.write("c.json5", text2)).get()
        #expect(warnings.contains { $0.isWarning && $0.message.contains("baud 4800") }, "\(warnings)")
    }
}

func == (a: (temperature: ProbeValue, humidity: ProbeValue?), b: (ProbeValue, ProbeValue?)) -> Bool { a.0 == b.0 && a.1 == b.1 }

import ColdChain
import Testing
import TestSupport

func field(_ type: DeviceProfile.ValueType, scale: Double = 1, offset: Double = 0, negativeFrom: Int? = nil, address: Int = 0)
    -> DeviceProfile.Field
{
    DeviceProfile.Field(table: .holding, address: address, type: type, scale: scale, offset: offset, negativeFrom: negativeFrom)
}

@Suite struct RegisterDecodingTests {
    func decode(_ f: DeviceProfile.Field, _ regs: [UInt16], order: DeviceProfile.WordOrder = .big, invalid: [Int] = []) -> ProbeValue {
        f.decode(regs, base: 0, wordOrder: order, invalidRaw: invalid, validRange: -60...100)
    }

    @Test func int16TenthsIncludingNegatives() {
        #expect(decode(field(.int16, scale: 0.1), [215]) == .value(21.5))
        #expect(decode(field(.int16, scale: 0.1), [UInt16(bitPattern: -35)]) == .value(-3.5))
        #expect(decode(field(.int16, scale: 0.1), [0x8000], invalid: [-32768]) == .fault("raw value -32768 means probe fault"))
        #expect(decode(field(.int16, scale: 0.1), [0x7FFF], invalid: [32767]) == .fault("raw value 32767 means probe fault"))
    }

    @Test func offsetEncodedNegatives() {
        // raw >= 10000 means below zero: 10035 = -3.5 °C at scale 0.1
        #expect(decode(field(.uint16, scale: 0.1, negativeFrom: 10000), [10035]) == .value(-3.5))
        #expect(decode(field(.uint16, scale: 0.1, negativeFrom: 10000), [45]) == .value(4.5))
    }

    @Test func thirtyTwoBitWordOrders() {
        let bits = Float(4.25).bitPattern
        let hi = UInt16(bits >> 16), lo = UInt16(bits & 0xFFFF)
        #expect(decode(field(.float32), [hi, lo], order: .big) == .value(4.25))
        #expect(decode(field(.float32), [lo, hi], order: .little) == .value(4.25))
        #expect(decode(field(.int32, scale: 0.001), [0xFFFF, 0xF060], order: .big) == .value(-4.0))
        #expect(decode(field(.uint32, scale: 0.01), [0x0000, 0x01C2]) == .value(4.5))
    }

    @Test func nanAndOutOfRangeAreFaults() {
        let nan = Float.nan.bitPattern
        #expect(decode(field(.float32), [UInt16(nan >> 16), UInt16(nan & 0xFFFF)]) == .fault("probe reports NaN (sensor fault)"))
        if case .fault = decode(field(.int16), [850]) {} else { Issue.record("850 °C accepted") }
        if case .fault = decode(field(.int16, address: 3), [1, 2]) {} else { Issue.record("missing register accepted") }
    }

    @Test func readsCoverBothFieldsOrSplitPerField() {
        var p = DeviceProfile(id: "x", vendor: "v", model: "m", manual: nil, temperature: field(.int16, scale: 0.1, address: 1),
                              humidity: field(.uint16, scale: 0.1, address: 0), invalidRaw: [], wordOrder: .big,
                              pauseBetweenRequests: 0, oneRequestPerField: false, serial: nil, validRangeC: -40...80)
        #expect(p.reads.map { "\($0.table) \($0.address) \($0.count)" } == ["holding 0 2"])
        let (t, h) = p.decode([[455, 52]])
        #expect(t == .value(5.2) && h == .value(45.5))
        p.oneRequestPerField = true
        #expect(p.reads.map { "\($0.address) \($0.count)" } == ["1 1", "0 1"])
        #expect(p.decode([[52], [455]]).temperature == ProbeValue.value(5.2))
    }

    /// Random registers never crash the decoder and always give a value in range or a fault.
    @Test func fuzzDecoding() {
        var rng = Seeded.forTest()
        for _ in 0..<20000 {
            let type = DeviceProfile.ValueType.allCases.randomElement(using: &rng)!
            let regs = (0..<Int.random(in: 0...3, using: &rng)).map { _ in UInt16.random(in: 0...UInt16.max, using: &rng) }
            let f = field(type, scale: [0.1, 1, 0.01].randomElement(using: &rng)!, negativeFrom: Bool.random(using: &rng) ? 10000 : nil)
            switch decode(f, regs, order: Bool.random(using: &rng) ? .big : .little, invalid: [-32768]) {
            case .value(let v): #expect((-60...100).contains(v))
            case .fault: break
            }
        }
    }
}

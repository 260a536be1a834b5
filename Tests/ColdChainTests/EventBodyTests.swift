import ColdChain
import Foundation
import Testing
import TestSupport

/// Typed event bodies: strict reading that names the key, and writing that reads back to the same value.
@Suite struct EventBodyTests {
    @Test(arguments: [
        ("alarm.opened", #"{"alarm":1,"cause":"fire","fridge":"F1","sensor":"S"}"#, "alarm.opened body: cause is not a known value"),
        ("alarm.opened", #"{"alarm":1.5,"cause":"no_data","fridge":"F1","sensor":"S"}"#, "alarm.opened body: alarm is not a whole number"),
        ("reading", #"{"c":"5","sensor":"S"}"#, "reading body: c is not a number"),
        ("excursion.closed", #"{"excursion":1}"#, "excursion.closed body: fridge is missing"),
        ("gateway.gap", #"{"from":"yesterday","to":"2026-11-18T11:52:40.000Z","seconds":1,"previous_end":"crash","last_seq":1}"#, "gateway.gap body: from is not an RFC 3339 time"),
        ("scan", #"[1,2]"#, "scan body: (body) is not an object"),
    ])
    func aMalformedBodyNamesItsKey(_ type: String, _ body: String, _ expected: String) throws {
        let json = try JSONValue.parse(Data(body.utf8))
        #expect(throws: EventBodyError.self) { _ = try TypedEvent(type: type, body: json) }
        do { _ = try TypedEvent(type: type, body: json) } catch { #expect(error.description == expected) }
    }

    @Test func anUnknownTypeIsNotAnError() throws {
        #expect(try TypedEvent(type: "valve.opened", body: [:]) == nil, "a newer gateway's event: kept, not refused")
    }

    @Test func generatedBodiesReadBackToTheSameValue() throws {
        var rng = Seeded.forTest()
        for _ in 0..<500 {
            let t = Date(timeIntervalSince1970: Double(Int.random(in: 1_700_000_000_000...1_900_000_000_000, using: &rng)) / 1000)
            let state = ExcursionState(id: Int.random(in: 1...10_000, using: &rng), fridge: "F\(Int.random(in: 1...9, using: &rng))", sensor: "S",
                                       side: [.high, .low, .cumulative].randomElement(using: &rng)!, rule: "gsp",
                                       limitC: 8, start: t, minC: Double(Int.random(in: -300...300, using: &rng)) / 100,
                                       maxC: Double(Int.random(in: -300...3000, using: &rng)) / 100, degreeMinutes: Double(Int.random(in: 0...99999, using: &rng)) / 10,
                                       cause: [nil, .power, .door].randomElement(using: &rng)!)
            let facts = PowerFacts(source: "ups:u", fridge: Bool.random(using: &rng) ? "F1" : nil, status: Bool.random(using: &rng) ? "OB LB" : nil,
                                   charge: Bool.random(using: &rng) ? Double(Int.random(in: 0...1000, using: &rng)) / 10 : nil,
                                   runtimeSeconds: Bool.random(using: &rng) ? Double(Int.random(in: 0...86400, using: &rng)) : nil)
            let bodies: [any EventBody] = [
                ExcursionOpened(state), ExcursionPeak(state, valueC: state.maxC, at: t), ExcursionClosed(state, end: t.addingTimeInterval(600), durationSeconds: 600),
                Reading.measured(sensor: "S", fridge: "F1", celsius: Double.random(in: -40...60, using: &rng), humidity: Bool.random(using: &rng) ? Double.random(in: 0...100, using: &rng) : nil),
                AlarmOpened(alarm: 3, fridge: "F1", sensor: "S", cause: AlarmCause.allCases.randomElement(using: &rng)!, excursion: Bool.random(using: &rng) ? 7 : nil),
                PowerLost(facts), PowerRestored(facts, offSeconds: Double(Int.random(in: 0...99999, using: &rng))), PowerBatteryLow(facts),
                PowerKnown(facts, online: Bool.random(using: &rng), unknownSeconds: 5), PowerUnknown(source: "ups:u", error: "upsd says \"x\""),
                DoorOpened(input: "d", fridge: "F2"), DoorClosed(input: "d", fridge: "F2", openSeconds: Double(Int.random(in: 0...9999, using: &rng))),
                HoldAdded(hold: 1, product: "gs1:09506000134352", lot: Bool.random(using: &rng) ? "L1" : nil, code: nil, reason: "r", source: "local", uid: 0),
            ]
            for b in bodies {
                let text = b.json.serialized
                let back = try #require(try TypedEvent(type: type(of: b).type.rawValue, body: try JSONValue.parse(Data(text.utf8))))
                #expect(back.body.json.serialized == text)
            }
        }
    }
}

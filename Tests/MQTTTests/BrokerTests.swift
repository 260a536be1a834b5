import Foundation
import Glibc
import MQTT
import Synchronization
import Testing
import TestSupport

/// Everything a connection heard, in order.
final class Heard: Sendable {
    let events = Mutex<[MQTTEvent]>([])
    func add(_ e: MQTTEvent) { events.withLock { $0.append(e) } }
    var all: [MQTTEvent] { events.withLock { $0 } }
    func wait(_ what: String, seconds: Double = 20, _ until: ([MQTTEvent]) -> Bool) -> Bool {
        poll(Int(seconds * 40), every: 25_000) { until(self.all) }
    }
}

@Suite(.serialized) struct BrokerTests {
    @Test func aHundredQoS1MessagesAreEachAcknowledgedAndDelivered() async throws {
        let broker = try Broker()
        defer { broker.stop() }
        let sub = try await broker.subscriber("cc/#", outputDir: broker.dir.path, ["-C", "100"])
        let heard = Heard()
        let c = try MQTTConnection(.init(host: "127.0.0.1", port: broker.port, clientID: "gw-test"), events: heard.add)
        try c.start()
        #expect(try await offPool { heard.wait("connected") { $0.contains(.connected) } }, "\(heard.all)")
        var mids: [Int32] = []
        for i in 0..<100 { mids.append(try c.publish(topic: "cc/gw-test/events", payload: Array("{\"n\":\(i)}".utf8))) }
        #expect(try await offPool { heard.wait("acks") { $0.filter { if case .acknowledged = $0 { true } else { false } }.count == 100 } }, "\(heard.all.suffix(5))")
        let acked = heard.all.compactMap { e -> Int32? in if case .acknowledged(let mid, let code) = e, code < 0x80 { mid } else { nil } }
        #expect(Set(acked) == Set(mids), "every message acknowledged once, none refused")
        #expect(try await offPool { sub.wait(seconds: 20) } == 0)
        #expect(sub.stdout.split(separator: "\n").count == 100 && sub.stdout.hasPrefix("{\"n\":0}"), "\(sub.stdout.prefix(200))")
    }

    @Test func aWrongPasswordIsRefusedWithTheBrokersReason() async throws {
        let dir = TempDir("cc-mqtt-pw")
        let made = shell("mosquitto_passwd -b -c \(dir.file("passwords")) gw-test right-secret 2>&1")
        #expect(made.status == 0, "\(made.output)")
        let broker = try Broker("allow_anonymous false\npassword_file \(dir.file("passwords"))")
        defer { broker.stop() }
        let wrong = Heard()
        let c = try MQTTConnection(.init(host: "127.0.0.1", port: broker.port, clientID: "gw-test", username: "gw-test", password: "wrong"), events: wrong.add)
        try c.start()
        #expect(try await offPool { wrong.wait("refused") { $0.contains { if case .refused = $0 { true } else { false } } } }, "\(wrong.all)")
        guard case .refused(let code, let reason)? = wrong.all.first(where: { if case .refused = $0 { true } else { false } }) else { return }
        // MQTT 5: 0x86 bad user name or password, or 0x87 not authorised.
        #expect(code == 0x86 || code == 0x87, "\(code) \(reason)")
        #expect(reason.lowercased().contains("not authorized") || reason.lowercased().contains("bad user"), "\(reason)")
        let right = Heard()
        let d = try MQTTConnection(.init(host: "127.0.0.1", port: broker.port, clientID: "gw-test2", username: "gw-test", password: "right-secret"), events: right.add)
        try d.start()
        #expect(try await offPool { right.wait("connected") { $0.contains(.connected) } }, "\(right.all)")
    }

    @Test func tlsWithAnOpensslCAAndABrokerItDoesNotVouchFor() async throws {
        let pki = try TestPKI()
        let broker = try Broker("allow_anonymous true\ncafile \(pki.ca)\ncertfile \(pki.cert("server").cert)\nkeyfile \(pki.cert("server").key)")
        defer { broker.stop() }
        let heard = Heard()
        let c = try MQTTConnection(.init(host: "127.0.0.1", port: broker.port, clientID: "gw-tls", caFile: pki.ca), events: heard.add)
        try c.start()
        #expect(try await offPool { heard.wait("connected") { $0.contains(.connected) } }, "\(heard.all)")
        _ = try c.publish(topic: "cc/gw-tls/events", payload: Array("{}".utf8))
        #expect(try await offPool { heard.wait("ack") { $0.contains { if case .acknowledged(_, let code) = $0 { code < 0x80 } else { false } } } })
        // A broker whose certificate this CA did not sign (a self-signed one): never connected.
        let other = try Broker("allow_anonymous true\ncertfile \(pki.cert("self").cert)\nkeyfile \(pki.cert("self").key)")
        defer { other.stop() }
        let refused = Heard()
        let d = try MQTTConnection(.init(host: "127.0.0.1", port: other.port, clientID: "gw-tls2", caFile: pki.ca), events: refused.add)
        try d.start()
        #expect(try await offPool { refused.wait("a failure") { !$0.isEmpty } }, "nothing heard")
        #expect(!refused.all.contains(.connected), "\(refused.all)")
        // What the outbox will say: a TLS failure, in libmosquitto's and OpenSSL's words.
        let why = refused.all.compactMap { if case .failed(let w) = $0 { w } else { nil } }.joined(separator: "; ")
        #expect(why.contains("TLS") || why.contains("certificate verify failed"), "\(why)")
    }

    @Test func aTopicTheACLRefusesIsRefusedInItsAcknowledgement() async throws {
        let dir = TempDir("cc-mqtt-acl")
        dir.write("acl", "user gw-test\ntopic read cc/#\n")
        _ = shell("mosquitto_passwd -b -c \(dir.file("passwords")) gw-test secret 2>&1")
        let broker = try Broker("allow_anonymous false\npassword_file \(dir.file("passwords"))\nacl_file \(dir.file("acl"))")
        defer { broker.stop() }
        let heard = Heard()
        let c = try MQTTConnection(.init(host: "127.0.0.1", port: broker.port, clientID: "gw-test", username: "gw-test", password: "secret"), events: heard.add)
        try c.start()
        #expect(try await offPool { heard.wait("connected") { $0.contains(.connected) } }, "\(heard.all)")
        let mid = try c.publish(topic: "cc/gw-test/events", payload: Array("{}".utf8))
        #expect(try await offPool { heard.wait("the acknowledgement") { $0.contains { if case .acknowledged(mid, _) = $0 { true } else { false } } } })
        #expect(heard.all.contains(.acknowledged(mid: mid, code: 0x87)), "\(heard.all)")
    }
}

import ColdChain
import Control
import Foundation
@testable import Gateway
import Testing
import TestSupport

@Suite(.serialized) struct EPCISUplinkTests {
    @Test func epcisFormatPostsToCapture() async throws {
        let dir = TempDir("cc-epcis-uplink")
        let receiver = try Receiver(dir: dir, plan: [])
        let config = uplinkConfig(port: receiver.port, dir: dir).replacingOccurrences(of: #"token_file: "token","#, with: #"token_file: "token", format: "epcis","#)
        let d = try InProcessDaemon(dir: dir, configText: config)
        try await d.waitReady()
        #expect(try await waitUntil(10) { receiver.received.count >= 2 })
        #expect(receiver.received.first?["type"] == "ObjectEvent")
        #expect(await d.stop() == 0)
    }
}

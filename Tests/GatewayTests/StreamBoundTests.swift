import ColdChain
import Control
import Dispatch
import Foundation
@testable import Gateway
import Glibc
import POSIX
import Synchronization
import Testing
import TestSupport

/// A result in parts for a client that stops reading: the daemon holds at most the high-water mark for it (the
/// query's thread waits for room), and once the client goes the query stops instead of producing the rest.
@Suite(.serialized) struct StreamBoundTests {
    /// Offers 1,000 parts of 10 KB (10 MB) and records how far it got.
    final class PartsHandler: ControlHandling {
        let connection = Mutex<ControlConnection?>(nil)
        let produced = Mutex(0)
        let finished = Mutex(false)
        let queue = DispatchQueue(label: "test.parts")
        static let part = String(repeating: "x", count: 10_000)

        func handle(_ request: ControlRequest, peer: PeerInfo, connection: ControlConnection) async -> ControlReply {
            self.connection.withLock { $0 = connection }
            let highWater = ControlLimits().outputHighWater
            let count = (try? await onQueue(queue) { [self] () -> Int in
                guard connection.beginParts(.object(["parts": 1000])) else { return 0 }
                for _ in 0..<1000 {
                    guard (try? connection.part(["data": Self.part], highWater: highWater)) == true else { break }
                    produced.withLock { $0 += 1 }
                }
                return produced.withLock { $0 }
            }) ?? -1
            finished.withLock { $0 = true }
            return .ok(.number(Double(count)))
        }
    }

    @Test func aClientThatStopsReadingHoldsNoMoreThanTheHighWaterMark() async throws {
        let dir = TempDir("cc-parts")
        let path = dir.file("control.sock")
        let handler = PartsHandler()
        let logger = Log(collect: { _ in })
        let server = try ControlServer(listener: try ControlSocket.bind(path: path, group: nil, log: logger), path: path, handler: handler, log: logger)
        let task = Task { try await server.run() }
        defer { task.cancel() }

        let fd = try rawConnect(path)
        try fd.writeAll("{\"cmd\":\"stream\"}\n")
        // The header line only; then the client reads nothing more.
        // (The socket's 10 s receive timeout may pass on a loaded machine before the server's task runs: read on.)
        let header = try await offPool { () -> String in
            var line: [UInt8] = [], byte: UInt8 = 0
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                let n = read(fd.rawValue, &byte, 1)
                if n == 1 { if byte == 0x0A { break }; line.append(byte); continue }
                if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
                break
            }
            return String(decoding: line, as: UTF8.self)
        }
        #expect(header.contains("\"parts\":true"), "\(header)")

        // The query's thread ends up waiting for room: what the daemon holds for this client is within the mark.
        let blocked = try await waitUntil(30) { handler.connection.withLock { $0?.flow.withLock { $0.waiter != nil } } ?? false }
        #expect(blocked, "the query waits for the client")
        let (posted, sent) = try #require(handler.connection.withLock { $0?.flow.withLock { ($0.posted, $0.sent) } })
        let partLine = 10_000 + 32
        #expect(posted - sent <= ControlLimits().outputHighWater + partLine, "held \(posted - sent) bytes")
        let before = handler.produced.withLock { $0 }
        #expect(before < 1000, "produced \(before) of 1000 parts for a client that read none")

        // The client goes: the waiting part gives up and the query stops, short of the 10 MB it was asked for.
        fd.close()
        #expect(try await waitUntil(30) { handler.finished.withLock { $0 } })
        #expect(handler.produced.withLock { $0 } < 1000)
    }
}

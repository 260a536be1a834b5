import ColdChain
import Control
import FoundationEssentials
import Synchronization
import WebServer

/// A fridge's readings as CSV (RFC 3339 UTC, as `coldchainctl readings --csv`), streamed from the daemon's parts a
/// thousand rows at a time: a month of readings never sits whole in coldchain-web's memory.
final class ReadingsCSV: HTTPStream {
    struct State { var client: ControlClient?; var started = false; var done = false }
    /// Only the connection's own thread calls `next` and `close`; the mutex makes that visible to the compiler.
    let state: Mutex<State>

    /// Sends the request; nil (with the reason) when the daemon refuses it or cannot be reached.
    init(socket: String, fridge: String, since: DurationArgument) throws {
        let client = try ControlClient(path: socket)
        let request = Commands.Readings.request(.init(fridge: fridge, since: since, every: nil))
        guard let first = try client.callLine(request) else { throw ControlFailure(.internal, "the daemon closed the connection") }
        guard let value = try? JSONValue.parse(Data(first)), let reply = ControlReply.parse(value) else {
            throw ControlFailure(.internal, "the daemon sent a reply that is not JSON")
        }
        if case .failure(let f) = reply { throw f }
        state = Mutex(State(client: client))
    }

    func next() -> [UInt8]? {
        state.withLock { s in
            guard !s.done, let client = s.client else { return nil }
            if !s.started {
                s.started = true
                return Array((CSV.byteOrderMark + CSV.line(["at", "sensor", "c", "h"]) + "\n").utf8)
            }
            while true {
                // A broken stream ends the file where it broke: the last line is whole, and the download is short.
                guard let line = try? client.readLine(), let parsed = ControlParts.parse(line, as: ReadingsPart.self) else { s.done = true; return nil }
                switch parsed {
                case .part(let p):
                    let rows = (p.readings ?? []).map { CSV.line([$0.at, $0.sensor, CSV.number($0.celsius), CSV.number($0.humidity)]) + "\n" }
                    if !rows.isEmpty { return Array(rows.joined().utf8) }
                case .end, .failed:
                    s.done = true
                    return nil
                }
            }
        }
    }

    func close() { state.withLock { $0.client = nil; $0.done = true } }
}

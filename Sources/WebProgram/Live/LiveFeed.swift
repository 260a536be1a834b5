import ColdChain
import Control
import Dispatch
import FoundationEssentials
import Glibc
import POSIX
import Synchronization
import WebServer

/// The daemon's `watch` stream, read once by coldchain-web and fanned out to every page as Server-Sent Events: the
/// daemon serves one stream however many screens are open. Also keeps each scanner's last scan for the desk pages.
final class LiveFeed: Sendable {
    /// At most 56 pages listen at once (the server takes 64 connections: 8 stay for page loads); each holds at most
    /// 32 messages it has not taken (a page too slow for that is dropped, and its browser reconnects).
    static let maxListeners = 56
    static let maxQueued = 32
    /// A comment line this often keeps a quiet stream inside the server's 30 s idle timeout.
    static let keepAlive: Double = 15

    struct State {
        var listeners: [Int: Listener] = [:]
        var nextId = 0
        var lastScan: [String: WatchEvent] = [:]
        var connected = false
        var stopped = false
    }
    let state = Mutex(State())
    let socket: String

    init(socket: String) { self.socket = socket }

    /// Starts the reading thread: it reconnects every 2 s while the daemon is away.
    func start() throws {
        _ = try POSIXThread(name: "live-feed") { [self] in run() }
    }

    /// Ends every stream (their readers return), so the server's threads can be joined.
    func stop() {
        let ls = state.withLock { s in s.stopped = true; return Array(s.listeners.values) }
        for l in ls { l.end() }
    }

    func lastScan(_ scanner: String) -> WatchEvent? { state.withLock { $0.lastScan[scanner] } }
    var isConnected: Bool { state.withLock { $0.connected } }

    /// A new listener, or nil when there are `maxListeners` already.
    func listen() -> Listener? {
        state.withLock { s in
            guard !s.stopped, s.listeners.count < Self.maxListeners else { return nil }
            s.nextId += 1
            let l = Listener(id: s.nextId, feed: self)
            s.listeners[l.id] = l
            return l
        }
    }

    func remove(_ id: Int) { state.withLock { _ = $0.listeners.removeValue(forKey: id) } }

    private func run() {
        while !state.withLock({ $0.stopped }) {
            do {
                let client = try ControlClient(path: socket)
                guard case .ok = try client.call(Commands.Watch.request) else { throw Errno("watch refused", code: EPROTO) }
                state.withLock { $0.connected = true }
                broadcast(Self.message(["type": .string("connected")]))
                while let line = try client.readLine() {
                    guard let w = try? JSONDecoder().decode(WatchLine.self, from: Data(line)) else { continue }
                    handle(w.event)
                }
            } catch {}
            let was = state.withLock { s in defer { s.connected = false }; return s.connected }
            if was { broadcast(Self.message(["type": .string("disconnected")])) }
            sleep(2)
        }
    }

    func handle(_ e: WatchEvent) {
        var fields: [String: JSONValue] = ["type": .string(e.type)]
        if let seq = e.seq { fields["seq"] = .number(Double(seq)) }
        if case .string(let f)? = e.body["fridge"] { fields["fridge"] = .string(f) }
        if case .string(let s)? = e.body["scanner"] { fields["scanner"] = .string(s) }
        if e.type == EventType.scan.rawValue, case .scan(let scan)? = e.typed {
            state.withLock { s in
                // Bounded by the configured scanners in practice; by 64 names whatever the daemon sends.
                if s.lastScan[scan.scanner] != nil || s.lastScan.count < 64 { s.lastScan[scan.scanner] = e }
            }
            fields["sound"] = .string(VerdictWords(verdict: scan.verdict, into: scan.isIn).key)
        }
        broadcast(Self.message(fields))
    }

    /// One SSE message: `data:` with a line of JSON (JSON has no raw newline, so it cannot end the message early).
    static func message(_ fields: [String: JSONValue]) -> [UInt8] {
        Array("data: \(JSONValue.object(fields).serialized)\n\n".utf8)
    }

    func broadcast(_ message: [UInt8]) {
        for l in state.withLock({ Array($0.listeners.values) }) { l.push(message) }
    }

    /// One page's stream. Its queue is bounded; `next` waits on a semaphore, at most `keepAlive` seconds.
    final class Listener: HTTPStream {
        let id: Int
        let feed: LiveFeed
        struct Queue { var messages: [[UInt8]] = []; var ended = false; var greeted = false }
        let queue = Mutex(Queue())
        let ready = DispatchSemaphore(value: 0)

        init(id: Int, feed: LiveFeed) { self.id = id; self.feed = feed }

        func push(_ m: [UInt8]) {
            queue.withLock { q in
                guard !q.ended else { return }
                // A page this far behind is ended; its browser reconnects (`retry`) and fetches what it shows again.
                if q.messages.count >= LiveFeed.maxQueued { q.ended = true; return }
                q.messages.append(m)
            }
            ready.signal()
        }

        func end() {
            queue.withLock { $0.ended = true }
            ready.signal()
        }

        func next() -> [UInt8]? {
            // First: how long to wait before reconnecting, and that the stream is live.
            if queue.withLock({ q in defer { q.greeted = true }; return !q.greeted }) {
                return Array("retry: 2000\n: coldchain-web\n\n".utf8)
            }
            while true {
                if let m = queue.withLock({ q -> [UInt8]?? in
                    if !q.messages.isEmpty { return .some(q.messages.removeFirst()) }
                    return q.ended ? .some(nil) : nil
                }) { return m }
                if ready.wait(timeout: .now() + LiveFeed.keepAlive) == .timedOut { return Array(": keep-alive\n\n".utf8) }
            }
        }

        func close() {
            end()
            feed.remove(id)
        }
    }
}

import ColdChain
import FoundationEssentials
import Glibc
import POSIX

/// A connection to the daemon's control socket, used by `coldchainctl` and the tests.
public final class ControlClient {
    public let path: String
    private let fd: FileDescriptor
    private var buffer = LineBuffer(limit: 64 << 20)
    private var ready: [[UInt8]] = []

    /// Connects to `path`; throws `Errno` (ENOENT, ECONNREFUSED, EACCES ...) when no daemon answers there.
    public init(path: String) throws {
        self.path = path
        fd = try UnixSocket.connect(path: path)
    }

    deinit { fd.close() }

    /// Sends a request and waits for its reply.
    public func call(_ request: ControlRequest) throws -> ControlReply {
        try fd.writeAll(request.line)
        guard let line = try readLine() else {
            throw Errno("the daemon closed the connection without answering", code: ECONNRESET)
        }
        guard let reply = ControlReply.parse(line) else {
            throw Errno("the daemon sent a reply that is not JSON", code: EPROTO)
        }
        return reply
    }

    /// Sends a request and reads its reply straight as `R`, with the result's JSON text as the daemon wrote it (what
    /// `--json` prints): the line is decoded once, not parsed into a tree and decoded again.
    public func call<R: Decodable>(_ request: ControlRequest, as type: R.Type) throws -> TypedReply<R> {
        try fd.writeAll(request.line)
        guard let line = try readLine() else {
            throw Errno("the daemon closed the connection without answering", code: ECONNRESET)
        }
        return try TypedReply(line: line)
    }

    /// Sends a request whose result comes in parts (`ControlParts`): `header` is called with the reply's result,
    /// then `part` with each part, read as `P`, as it arrives. Returns the reply and the end's value (nil when the
    /// daemon refused, or answered in one line); a failure after the parts began is thrown.
    public func callInParts<P: Decodable>(_ request: ControlRequest, as type: P.Type, header: (JSONValue) throws -> Void,
                                          part: (P) throws -> Void) throws -> (ControlReply, end: JSONValue?) {
        try fd.writeAll(request.line)
        guard let line = try readLine() else {
            throw Errno("the daemon closed the connection without answering", code: ECONNRESET)
        }
        guard let value = try? JSONValue.parse(Data(line)), let reply = ControlReply.parse(value) else {
            throw Errno("the daemon sent a reply that is not JSON", code: EPROTO)
        }
        guard case .ok(let result) = reply, value["parts"] == true else { return (reply, nil) }
        try header(result)
        while let next = try readLine() {
            switch ControlParts.parse(next, as: P.self) {
            case .part(let v)?: try part(v)
            case .end(let v)?: return (reply, v)
            case .failed(let f)?: throw f
            case nil: throw Errno("the daemon sent a part that is not \(P.self)", code: EPROTO)
            }
        }
        throw Errno("the daemon closed the connection before the end of the answer", code: ECONNRESET)
    }

    /// Sends a request and returns the first line of the answer as the daemon wrote it, for a caller that reads the
    /// parts after it itself (one at a time: coldchain-web's CSV download).
    public func callLine(_ request: ControlRequest) throws -> [UInt8]? {
        try fd.writeAll(request.line)
        return try readLine()
    }

    /// The next line from the daemon (for streams), or nil at end of stream.
    public func readLine() throws -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while ready.isEmpty {
            let n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
            if n == 0 { return nil }
            for item in chunk.withUnsafeBytes({ buffer.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) {
                if case .line(let l) = item { ready.append(l) }
            }
        }
        return ready.removeFirst()
    }
}

/// A reply read as its type. A refusal is a `failure`; a reply that is not JSON, or an answer that is not an `R`
/// (a daemon of another version), is thrown (`EPROTO`, or the decoding error naming the key).
public enum TypedReply<R: Decodable> {
    case ok(R, json: String)
    case failure(ControlFailure)

    struct Envelope: Decodable {
        var ok: Bool
        var result: R?
    }

    /// What the daemon writes before an answer's result: `ControlReply.line` is `{"ok":true,"result":...}`.
    static var okPrefix: [UInt8] { Array(#"{"ok":true,"result":"#.utf8) }

    init(line: [UInt8]) throws {
        let prefix = Self.okPrefix
        if line.count > prefix.count, line.starts(with: prefix), line.last == UInt8(ascii: "}") {
            let envelope = try JSONDecoder().decode(Envelope.self, from: Data(line))
            guard let result = envelope.result else { throw Errno("the daemon's answer has no result", code: EPROTO) }
            self = .ok(result, json: String(decoding: line[prefix.count..<(line.count - 1)], as: UTF8.self))
            return
        }
        guard let reply = ControlReply.parse(line) else { throw Errno("the daemon sent a reply that is not JSON", code: EPROTO) }
        switch reply {
        case .failure(let f): self = .failure(f)
        case .ok(let v): self = .ok(try v.decode(R.self), json: v.serialized)
        }
    }
}

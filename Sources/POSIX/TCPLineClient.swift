import Glibc

/// A TCP connection that speaks in lines (NUT's upsd): connect, send a line, read a line, each with a deadline and
/// each line bounded. Blocking from the caller's view, non-blocking underneath, so a peer that stops answering
/// costs at most the timeout and never a hung thread.
public final class TCPLineClient {
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case resolve(String)
        case timedOut(String)
        case closed
        case lineTooLong(Int)
        case system(Errno)
        public var description: String {
            switch self {
            case .resolve(let m): "cannot resolve: \(m)"
            case .timedOut(let what): "no answer within the time limit (\(what))"
            case .closed: "the peer closed the connection"
            case .lineTooLong(let n): "an answer line longer than \(n) bytes"
            case .system(let e): e.description
            }
        }
    }

    private let fd: FileDescriptor
    private var pending: [UInt8] = []
    public let timeout: Double

    /// Connects to `host:port` (a name or a numeric address) within `timeout` seconds.
    ///
    /// The corresponding C functions are getaddrinfo(3), socket(2), connect(2) and poll(2).
    public init(host: String, port: Int, timeout: Double) throws(Failure) {
        self.timeout = timeout
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else { throw .resolve("\(host): \(String(cString: gai_strerror(rc)))") }
        defer { freeaddrinfo(list) }
        var lastError = Failure.resolve("\(host): no address")
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            ai = a.pointee.ai_next
            let raw = socket(a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), a.pointee.ai_protocol)
            guard raw >= 0 else { lastError = .system(Errno("socket")); continue }
            let candidate = FileDescriptor(adopting: raw)
            do {
                try Self.connect(candidate, a.pointee.ai_addr, a.pointee.ai_addrlen, timeout: timeout)
                fd = candidate
                return
            } catch {
                candidate.close()
                lastError = error
            }
        }
        throw lastError
    }

    private static func connect(_ fd: FileDescriptor, _ addr: UnsafePointer<sockaddr>, _ len: socklen_t, timeout: Double) throws(Failure) {
        if Glibc.connect(fd.rawValue, addr, len) == 0 { return }
        guard errno == EINPROGRESS || errno == EINTR else { throw .system(Errno("connect")) }
        try wait(fd, for: Int16(POLLOUT), until: monotonicSeconds() + timeout, what: "connect")
        var err: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd.rawValue, SOL_SOCKET, SO_ERROR, &err, &size) == 0 else { throw .system(Errno("getsockopt")) }
        if err != 0 { throw .system(Errno("connect", code: err)) }
    }

    /// Waits until `fd` is ready for `events` or the deadline passes.
    private static func wait(_ fd: FileDescriptor, for events: Int16, until deadline: Double, what: String) throws(Failure) {
        while true {
            let left = deadline - monotonicSeconds()
            guard left > 0 else { throw .timedOut(what) }
            var fds = [pollfd(fd: fd.rawValue, events: events, revents: 0)]
            do {
                if try pollDescriptors(&fds, timeoutMillis: Int32(min(left, 60) * 1000) + 1) > 0 { return }
            } catch let e as Errno { throw .system(e) } catch { throw .system(Errno("poll")) }
        }
    }

    public func close() { fd.close() }

    /// Sends `line` whole (it ends in "\n").
    public func send(_ line: String) throws(Failure) {
        let bytes = Array(line.utf8)
        var done = 0
        let deadline = monotonicSeconds() + timeout
        while done < bytes.count {
            let r: IOResult
            do { r = try bytes.withUnsafeBytes { try fd.sendAvailable(UnsafeRawBufferPointer(rebasing: $0[done...])) } }
            catch let e as Errno { throw .system(e) } catch { throw .system(Errno("send")) }
            switch r {
            case .bytes(let n): done += n
            case .wouldBlock: try Self.wait(fd, for: Int16(POLLOUT), until: deadline, what: "send")
            case .endOfStream: throw .closed
            }
        }
    }

    /// The next line, without its "\n" (or "\r\n"); at most `maxBytes` before the newline.
    public func readLine(maxBytes: Int) throws(Failure) -> String {
        let deadline = monotonicSeconds() + timeout
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            if let nl = pending.firstIndex(of: 0x0A) {
                guard nl <= maxBytes else { throw .lineTooLong(maxBytes) }
                var line = Array(pending[..<nl])
                pending.removeFirst(nl + 1)
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard pending.count <= maxBytes else { throw .lineTooLong(maxBytes) }
            let r: IOResult
            do { r = try buffer.withUnsafeMutableBytes { try fd.readAvailable(into: $0) } }
            catch let e as Errno { throw .system(e) } catch { throw .system(Errno("read")) }
            switch r {
            case .bytes(let n): pending += buffer[..<n]
            case .wouldBlock: try Self.wait(fd, for: Int16(POLLIN), until: deadline, what: "read")
            case .endOfStream: throw .closed
            }
        }
    }
}

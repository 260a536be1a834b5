import CShims
import Glibc

/// What a non-blocking read or write did. Would-block is a value, not an error (as in swift-nio's System.swift):
/// it is the normal answer of a socket with nothing to read or no room to write.
public enum IOResult: Sendable, Equatable {
    case bytes(Int)
    case wouldBlock
    /// read(2) returned 0: the peer closed its side.
    case endOfStream
}

/// Runs a non-blocking call: EINTR retried, EAGAIN/EWOULDBLOCK as `.wouldBlock`, other failures thrown as `Errno`.
@inline(__always)
public func nonBlockingCall(_ operation: @autoclosure () -> String, _ call: () -> Int) throws -> IOResult {
    while true {
        let n = call()
        if n > 0 { return .bytes(n) }
        if n == 0 { return .endOfStream }
        let e = errno
        if e == EINTR { continue }
        if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
        throw Errno(operation(), code: e)
    }
}

extension FileDescriptor {
    /// read(2) on a non-blocking descriptor.
    public func readAvailable(into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult {
        try nonBlockingCall("read") { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// send(2) with MSG_NOSIGNAL on a non-blocking socket: a peer that has gone costs an EPIPE (thrown), never the
    /// process's life (SIGPIPE).
    public func sendAvailable(_ bytes: UnsafeRawBufferPointer) throws -> IOResult {
        try nonBlockingCall("send") { send(rawValue, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    /// accept4(2) with SOCK_NONBLOCK|SOCK_CLOEXEC on a non-blocking listening socket; nil when none is waiting.
    public func acceptNonBlocking() throws -> FileDescriptor? {
        while true {
            let fd = cc_accept_nonblocking(rawValue)
            if fd >= 0 { return FileDescriptor(adopting: fd) }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return nil }
            throw Errno("accept", code: e)
        }
    }
}

/// poll(2) for up to `timeoutMillis` (-1 for ever); an interrupted wait returns 0 ready descriptors, so the caller's
/// loop simply goes round again.
public func pollDescriptors(_ fds: inout [pollfd], timeoutMillis: Int32) throws -> Int {
    let n = poll(&fds, nfds_t(fds.count), timeoutMillis)
    if n >= 0 { return Int(n) }
    if errno == EINTR { return 0 }
    throw Errno("poll")
}

/// A self-pipe that wakes a thread blocked in poll(2): `wake()` from any thread, the waiting thread polls
/// `readEnd` and `drain()`s it. Both descriptors are fixed at init; write(2) and read(2) on a pipe are safe from
/// several threads.
public final class WakePipe: Sendable {
    public let readEnd: Int32
    private let writeEnd: Int32

    /// The corresponding C function is pipe2(2) with O_NONBLOCK|O_CLOEXEC.
    public init() throws {
        var fds: [Int32] = [-1, -1]
        _ = try systemCall("pipe2") { cc_pipe_nonblocking(&fds) }
        (readEnd, writeEnd) = (fds[0], fds[1])
    }

    deinit {
        Glibc.close(readEnd)
        Glibc.close(writeEnd)
    }

    /// Makes `readEnd` readable. A full pipe already is, so a failed write changes nothing.
    public func wake() {
        var b: UInt8 = 1
        _ = Glibc.write(writeEnd, &b, 1)
    }

    /// Empties the pipe, so the next poll waits again.
    public func drain() {
        var sink = [UInt8](repeating: 0, count: 256)
        while Glibc.read(readEnd, &sink, sink.count) > 0 {}
    }
}

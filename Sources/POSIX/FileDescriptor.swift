import Glibc
import Synchronization

/// An owned file descriptor: closed by `close()` or, as a safety net, when the last reference goes.
///
/// The number is an atomic that `close()` swaps for -1, so of two threads closing at once exactly one calls
/// close(2): a second close(2) of a number another thread has meanwhile been given would close *that* file.
public final class FileDescriptor: Sendable {
    private let number: Atomic<Int32>
    /// The descriptor, or -1 once closed.
    public var rawValue: Int32 { number.load(ordering: .acquiring) }

    public init(adopting fd: Int32) { number = Atomic(fd) }

    /// Opens a file.
    ///
    /// The corresponding C function is open(2).
    public convenience init(path: String, flags: Int32, mode: mode_t = 0o600) throws {
        let fd = try systemCall("open \(path)") { open(path, flags | O_CLOEXEC, mode) }
        self.init(adopting: fd)
    }

    deinit { close() }

    /// The corresponding C function is close(2). EINTR is not retried: on Linux the descriptor is gone anyway.
    public func close() {
        let fd = number.exchange(-1, ordering: .acquiringAndReleasing)
        if fd >= 0 { Glibc.close(fd) }
    }

    /// The corresponding C function is read(2).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try systemCall("read") { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// Writes all of `bytes`, looping over short writes.
    ///
    /// The corresponding C function is write(2).
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            done += try systemCall("write") { Glibc.write(rawValue, bytes.baseAddress! + done, bytes.count - done) }
        }
    }

    public func writeAll(_ string: String) throws {
        var s = string
        try s.withUTF8 { try writeAll(UnsafeRawBufferPointer($0)) }
    }

    /// Sets or clears O_NONBLOCK.
    ///
    /// The corresponding C function is fcntl(2).
    public func setNonBlocking(_ on: Bool) throws {
        let flags = try systemCall("fcntl F_GETFL") { fcntl(rawValue, F_GETFL) }
        _ = try systemCall("fcntl F_SETFL") { fcntl(rawValue, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) }
    }
}

import Glibc

/// A failed system call: which call, on what, and the errno it set.
public struct Errno: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var code: Int32

    public init(_ operation: String, code: Int32 = errno) {
        self.operation = operation; self.code = code
    }

    public var message: String { String(cString: strerror(code)) }
    public var description: String { "\(operation): \(message) (errno \(code))" }
}

/// Runs a system call, retrying while it is interrupted by a signal (EINTR), and turns -1 into `Errno`.
///
/// Every C call the gateway makes goes through here, so none forgets EINTR or loses errno.
@inline(__always)
public func systemCall<T: FixedWidthInteger>(_ operation: @autoclosure () -> String, _ call: () -> T) throws -> T {
    while true {
        let result = call()
        if result != -1 { return result }
        let e = errno
        if e == EINTR { continue }
        throw Errno(operation(), code: e)
    }
}

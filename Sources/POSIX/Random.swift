import CShims
import Glibc

/// `count` bytes from the kernel's random source (getrandom(2)), for session tokens and salts. Retries EINTR and
/// short reads; the kernel's pool is ready on any booted system, so the call does not block after early boot.
public func randomBytes(_ count: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var got = 0
    while got < count {
        let n = bytes.withUnsafeMutableBytes { cc_getrandom($0.baseAddress! + got, count - got) }
        if n > 0 { got += n } else if errno != EINTR { fatalError("getrandom failed: errno \(errno)") }
    }
    return bytes
}

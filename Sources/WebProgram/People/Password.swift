import CCrypt
import Glibc
import POSIX
import Dispatch

/// Passwords as yescrypt hashes through libcrypt (libxcrypt's `crypt_r`, the hash Debian's own passwd uses). The
/// only importer of libcrypt.
enum Password {
    /// At most two hashes at once: each takes tens of milliseconds of CPU and 8 MiB of memory (yescrypt's default
    /// cost), and a flood of logins under random names must not take the gateway's two cores.
    static let gate = DispatchSemaphore(value: 2)

    /// A new hash of `password` with a fresh random salt; nil when libcrypt cannot make one.
    static func hash(_ password: String) -> String? {
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        // No random bytes given: libxcrypt takes them from the kernel (getrandom). Cost 0: yescrypt's default.
        guard crypt_gensalt_rn("$y$", 0, nil, 0, &setting, Int32(setting.count)) != nil else { return nil }
        return crypt(password, setting: String(decoding: setting.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// Whether `password` is the one `stored` was made from. A name without a hash is checked against a dummy so
    /// that the answer takes as long either way.
    static func verify(_ password: String, against stored: String?) -> Bool {
        let setting = stored ?? dummy
        guard let computed = crypt(password, setting: setting) else { return false }
        return stored != nil && constantTimeEqual(Array(computed.utf8), Array(setting.utf8))
    }

    /// A hash of nothing anyone knows (random bytes), for names that have none: made once, at the same cost.
    static let dummy: String = {
        hash(randomBytes(24).map { String($0, radix: 16) }.joined()) ?? "$y$j9T$"
    }()

    static func crypt(_ password: String, setting: String) -> String? {
        gate.wait()
        defer { gate.signal() }
        do {
            // struct crypt_data is 32 KiB: on the heap, not a connection thread's stack.
            let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
            defer { data.deinitialize(count: 1); data.deallocate() }
            memset(data, 0, MemoryLayout<crypt_data>.size)
            guard let out = crypt_r(password, setting, data) else { return nil }
            let s = String(cString: out)
            // libxcrypt's failure token starts with '*'.
            return s.hasPrefix("*") ? nil : s
        }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var d: UInt8 = 0
        for i in a.indices { d |= a[i] ^ b[i] }
        return d == 0
    }
}

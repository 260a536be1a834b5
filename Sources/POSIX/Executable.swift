import Glibc

/// The folder holding the running executable: where its sibling programs (coldchain-sim, coldchainctl) are.
///
/// The corresponding C function is readlink(2) on /proc/self/exe.
public func executableDirectory() -> String? {
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buf, buf.count - 1)
    guard n > 0 else { return nil }
    let path = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard let slash = path.lastIndex(of: "/") else { return nil }
    return String(path[..<slash])
}

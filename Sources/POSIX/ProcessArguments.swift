import Glibc

/// The process's arguments. Swift's runtime loses them under some LD_PRELOAD libraries: measured with Debian's
/// libfaketime, `CommandLine.arguments` was empty, so coldchaind started with the default config instead of the
/// one it was given. The kernel's copy in /proc/self/cmdline (NUL-separated, read up to 1 MiB) is used then.
public func processArguments() -> [String] {
    if !CommandLine.arguments.isEmpty { return CommandLine.arguments }
    guard let fd = try? systemCall("open /proc/self/cmdline", { open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC) }) else { return [] }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while bytes.count < 1 << 20,
          let n = try? chunk.withUnsafeMutableBytes({ b in try systemCall("read /proc/self/cmdline") { read(fd, b.baseAddress, b.count) } }), n > 0 {
        bytes += chunk[..<n]
    }
    return bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast(bytes.last == 0 ? 1 : 0).map { String(decoding: $0, as: UTF8.self) }
}

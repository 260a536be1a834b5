import CShims

/// Which build of the program is running: `coldchainctl version` shows it, so a technician can tell two builds of
/// one version apart (a site's support call starts with that).
public enum BuildInfo {
    /// The executable's GNU build-id (as `file` and `readelf -n` show it), or "unknown" when it was linked without one.
    public static let id: String = {
        var buffer = [CChar](repeating: 0, count: 129)
        let n = cc_build_id(&buffer, Int32(buffer.count))
        guard n > 0 else { return "unknown" }
        return String(decoding: buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// How it was compiled: a debug build is slower and larger, and not what a gateway should run.
    public static var configuration: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }
}

import FoundationEssentials
import POSIX

/// A secret given as a file, or else as a systemd credential (`LoadCredential=NAME:...` puts it in
/// `$CREDENTIALS_DIRECTORY/NAME`): the platform token, upsd's password. The first non-empty one wins; never logged.
enum Credentials {
    /// Bounded: a secret is a line, and a path pointing at something huge must not fill memory.
    static let maxBytes = 64 << 10

    static func read(file: String?, credential name: String, clean: (String) -> String) -> String? {
        let candidates = [file, ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"].map { $0 + "/" + name }]
        for path in candidates.compactMap({ $0 }) {
            guard let data = (try? readRegularFile(path, limit: maxBytes, truncating: true)) ?? nil else { continue }
            let text = clean(String(decoding: data, as: UTF8.self))
            if !text.isEmpty { return text }
        }
        return nil
    }
}

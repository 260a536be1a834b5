import ColdChain
import Glibc
import POSIX
import Synchronization

/// The desk's spoken verdicts: each phrase of `VerdictWords` made once with espeak-ng's Mandarin voice (`cmn`) into
/// a WAV file in the cache folder, and served from there. Only those keys: a path never reaches espeak-ng or the disk.
final class Speech: Sendable {
    let folder: String
    let espeak: String
    /// One phrase made at a time (espeak-ng takes about 0.1 s of CPU for one).
    let making = Mutex(())
    static let maxBytes = 2 << 20

    init(folder: String, espeak: String = "/usr/bin/espeak-ng") { self.folder = folder; self.espeak = espeak }

    enum Outcome { case wav([UInt8]), unknown, failed(String) }

    /// The WAV of the phrase `key`, made now if it is not in the cache.
    func wav(_ key: String) -> Outcome {
        guard let words = VerdictWords.all.first(where: { $0.key == key }) else { return .unknown }
        let path = "\(folder)/\(key).wav"
        return making.withLock { _ in
            if let cached = try? readRegularFile(path, limit: Self.maxBytes), cached.count > 44 { return .wav(cached) }
            let temp = "\(folder)/.\(key).\(getpid()).wav"
            unlink(temp)
            do {
                let child = try ChildProcess(path: espeak, arguments: ["-v", "cmn", "-s", "150", "-w", temp, words.chinese])
                let status = child.wait()
                guard status == 0 else { unlink(temp); return .failed("espeak-ng exited with status \(status)") }
                guard let made = try readRegularFile(temp, limit: Self.maxBytes), made.count > 44 else {
                    unlink(temp); return .failed("espeak-ng made no sound")
                }
                rename(temp, path)
                return .wav(made)
            } catch {
                unlink(temp)
                return .failed("cannot run \(espeak): \(error)")
            }
        }
    }
}

/// Cuts a scanner's byte stream into codes.
///
/// A code ends at CR, LF, CRLF or TAB, or after `silence` seconds without a byte (scanners set to send no
/// terminator). Empty lines and stray control bytes are ignored (GS, the FNC1 of GS1 data, is kept); a code longer
/// than `maxLength` bytes is dropped up to its end and reported once.
public struct ScanFramer: Sendable {
    public enum Output: Sendable, Equatable {
        case code([UInt8])
        case tooLong(Int)
    }

    public let silence: Double
    public let maxLength: Int
    private var buffer: [UInt8] = []
    private var discarding = 0
    private var lastByteAt: Double?

    public init(silence: Double = 0.05, maxLength: Int = 512) {
        self.silence = silence
        self.maxLength = maxLength
    }

    /// Bytes that arrived at `time` (seconds, any monotonic origin).
    public mutating func feed(_ bytes: some Sequence<UInt8>, at time: Double) -> [Output] {
        var out = flushIfSilent(at: time)
        for b in bytes {
            switch b {
            case 0x0D, 0x0A, 0x09:
                out += finish()
            case 0x1D:
                append(b, &out)
            case 0x00..<0x20, 0x7F:
                continue  // line noise, XON/XOFF, a reader's beep request: not part of any code
            default:
                append(b, &out)
            }
        }
        lastByteAt = time
        return out
    }

    /// Ends a code that has been followed by `silence` seconds without a byte.
    public mutating func flushIfSilent(at time: Double) -> [Output] {
        guard let last = lastByteAt, time - last >= silence, !buffer.isEmpty || discarding > 0 else { return [] }
        return finish()
    }

    /// When the reader should wake up to end a code by silence, if one is pending.
    public var silenceDeadline: Double? {
        guard let last = lastByteAt, !buffer.isEmpty || discarding > 0 else { return nil }
        return last + silence
    }

    private mutating func append(_ b: UInt8, _ out: inout [Output]) {
        if discarding > 0 { discarding += 1; return }
        buffer.append(b)
        if buffer.count > maxLength {
            discarding = buffer.count
            buffer.removeAll()
        }
    }

    private mutating func finish() -> [Output] {
        defer { buffer.removeAll(keepingCapacity: true); discarding = 0 }
        if discarding > 0 { return [.tooLong(discarding)] }
        return buffer.isEmpty ? [] : [.code(buffer)]
    }
}

/// Splits a byte stream into newline-terminated lines, refusing lines longer than a limit.
///
/// An over-long line is dropped up to its newline and reported once as `.tooLong`, so one bad client line never
/// grows memory without bound nor desynchronizes the lines after it.
public struct LineBuffer: Sendable {
    public enum Item: Equatable, Sendable { case line([UInt8]), tooLong }

    public let limit: Int
    private var bytes: [UInt8] = []
    private var discarding = false

    public init(limit: Int = ControlProtocol.maxLine) { self.limit = limit }

    /// Adds bytes just read and returns the complete lines (without the newline, CR stripped).
    public mutating func append(_ chunk: UnsafeRawBufferPointer) -> [Item] {
        var items: [Item] = []
        for b in chunk {
            if b == 0x0A {
                if discarding { discarding = false } else {
                    if bytes.last == 0x0D { bytes.removeLast() }
                    items.append(.line(bytes))
                }
                bytes.removeAll(keepingCapacity: true)
            } else if !discarding {
                bytes.append(b)
                if bytes.count > limit {
                    discarding = true
                    bytes.removeAll()
                    items.append(.tooLong)
                }
            }
        }
        return items
    }

    public mutating func append(_ chunk: [UInt8]) -> [Item] { chunk.withUnsafeBytes { append($0) } }

    /// Bytes of an unfinished line (no newline yet).
    public var partialCount: Int { bytes.count }

    /// Bytes held for the unfinished line, allocated or not.
    public var capacity: Int { bytes.capacity }
}

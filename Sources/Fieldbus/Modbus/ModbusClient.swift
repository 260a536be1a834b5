import CModbus
import CShims
import ColdChain
import Glibc
import POSIX

/// Where a bus's devices are: RTU on a serial line, or TCP.
public enum ModbusEndpoint: Sendable, Equatable, CustomStringConvertible {
    case rtu(device: String, baud: Int, parity: Parity, dataBits: Int, stopBits: Int)
    case tcp(host: String, port: Int)

    public init(_ t: GatewayConfig.Bus.Transport) {
        switch t {
        case .rtu(let d, let b, let p, let db, let sb): self = .rtu(device: d, baud: b, parity: p, dataBits: db, stopBits: sb)
        case .tcp(let h, let p): self = .tcp(host: h, port: p)
        }
    }

    public var description: String {
        switch self {
        case .rtu(let d, let b, let p, let db, let sb): return "\(d) \(b) \(db)\(p.letter)\(sb)"
        case .tcp(let h, let p): return "\(h):\(p)"
        }
    }
}

/// A libmodbus client context: one per bus, used by one thread at a time (hence `@unchecked Sendable`: it may be
/// handed to that thread, never shared; `interrupt()`, which only writes to a pipe, is the one call another thread
/// may make). Both transports sit behind this one interface, as in libmodbus itself.
///
/// For RTU, libmodbus opens the serial device with O_RDWR|O_NOCTTY|O_NDELAY|O_EXCL (no controlling terminal, no
/// wait for carrier, no second opener), saves its termios and restores them on close, so the port is left as it
/// was found.
///
/// Each transaction is built and checked here; libmodbus frames and reads it (MBAP length, RTU CRC and timing).
/// libmodbus 3.1.6 does not check the unit id of a TCP answer, so behind a TCP-to-RTU converter that mixed up a late
/// answer, one probe's temperature was recorded under another. Every TCP request here carries its own transaction
/// id, and the answer must carry the same id, protocol id 0, the unit asked and the function asked; an answer with
/// an earlier id (late, for a request that timed out) is dropped and the wait goes on. The wait for an answer is a
/// poll(2) that `interrupt()` ends at once, so a daemon stopping never waits out a 30 s bus timeout.
public final class ModbusClient: @unchecked Sendable {
    private let ctx: OpaquePointer
    public let endpoint: ModbusEndpoint
    public private(set) var isConnected = false
    /// Set after a timeout: the device may still answer, late, and that answer must not pass for the next one.
    private var lateAnswerPossible = false
    private let timeout: Double
    private var transactionID: UInt16 = 0
    private let interruption: WakePipe
    private let isTCP: Bool

    /// The corresponding C functions are modbus_new_tcp(3) and modbus_new_rtu(3).
    public init(_ endpoint: ModbusEndpoint, timeout: Double) throws {
        self.endpoint = endpoint
        // Validated by the configuration (10 ms to 30 s); clamped again so no conversion below can trap.
        self.timeout = timeout.isFinite ? min(max(timeout, 0.001), 3600) : 1
        let made: OpaquePointer?
        switch endpoint {
        case .tcp(let host, let port): made = modbus_new_tcp(host, Int32(clamping: port)); isTCP = true
        case .rtu(let device, let baud, let parity, let dataBits, let stopBits):
            let p = CChar(parity.letter.asciiValue!)  // 'N', 'E', 'O': ASCII by construction
            made = modbus_new_rtu(device, Int32(clamping: baud), p, Int32(clamping: dataBits), Int32(clamping: stopBits))
            isTCP = false
        }
        guard let made else { throw ModbusError.other("cannot create a Modbus context for \(endpoint): \(String(cString: modbus_strerror(errno)))") }
        do { interruption = try WakePipe() } catch {
            modbus_free(made)
            throw ModbusError.other("cannot create a wake-up pipe: \(error)")
        }
        ctx = made
        let whole = UInt32(self.timeout), micros = UInt32((self.timeout - Double(whole)) * 1_000_000)
        modbus_set_response_timeout(ctx, whole, micros)
        modbus_set_byte_timeout(ctx, whole, micros)
        transactionID = UInt16.random(in: 0...UInt16.max)
    }

    deinit {
        if isConnected { modbus_close(ctx) }
        modbus_free(ctx)
    }

    /// Ends the current and every later wait for an answer with `.interrupted`: for stopping the bus's thread.
    public func interrupt() { interruption.wake() }

    /// Opens the TCP connection or the serial port.
    ///
    /// The corresponding C function is modbus_connect(3).
    public func connect() throws {
        guard !isConnected else { return }
        if modbus_connect(ctx) != 0 {
            let e = errno
            // A serial device refused (the unit's device policy, a missing group) is said with what to do about it.
            if case .rtu(let device, _, _, _, _) = endpoint, let advice = DeviceAccess.advice(e, path: device) {
                throw ModbusError.connectionRefused("\(endpoint): \(advice)")
            }
            throw ModbusError.fromErrno(e, endpoint: endpoint.description)
        }
        isConnected = true
    }

    /// The corresponding C function is modbus_close(3).
    public func close() {
        if isConnected { modbus_close(ctx); isConnected = false }
    }

    /// Reads `count` registers (1...125) from `unit`.
    public func readRegisters(unit: Int, table: DeviceProfile.Table, address: Int, count: Int) throws -> [UInt16] {
        guard (1...125).contains(count), (0...0xFFFF).contains(address), (0...247).contains(unit) else {
            throw ModbusError.other("read of \(count) registers at \(address) from unit \(unit) is outside Modbus limits")
        }
        let fc: UInt8 = table == .holding ? 0x03 : 0x04
        let pdu = try transact(unit: unit, [fc, UInt8(address >> 8), UInt8(address & 0xFF), UInt8(count >> 8), UInt8(count & 0xFF)])
        guard pdu.count == 2 + 2 * count, Int(pdu[1]) == 2 * count else {
            throw fail(.badFrame("answer of \(pdu.count) bytes to a read of \(count) registers"))
        }
        return (0..<count).map { UInt16(pdu[2 + 2 * $0]) << 8 | UInt16(pdu[3 + 2 * $0]) }
    }

    /// Reads `count` bits (1...2000): coils (function 1) or discrete inputs (function 2), such as door switches.
    public func readBits(unit: Int, coils: Bool, address: Int, count: Int) throws -> [Bool] {
        guard (1...2000).contains(count), (0...0xFFFF).contains(address), (0...247).contains(unit) else {
            throw ModbusError.other("read of \(count) bits at \(address) from unit \(unit) is outside Modbus limits")
        }
        let pdu = try transact(unit: unit, [coils ? 0x01 : 0x02, UInt8(address >> 8), UInt8(address & 0xFF), UInt8(count >> 8), UInt8(count & 0xFF)])
        let bytes = (count + 7) / 8
        guard pdu.count == 2 + bytes, Int(pdu[1]) == bytes else {
            throw fail(.badFrame("answer of \(pdu.count) bytes to a read of \(count) bits"))
        }
        return (0..<count).map { pdu[2 + $0 / 8] & (1 << UInt8($0 % 8)) != 0 }
    }

    /// Switches a coil (the alarm relay).
    public func writeCoil(unit: Int, address: Int, on: Bool) throws {
        guard (0...0xFFFF).contains(address), (0...247).contains(unit) else {
            throw ModbusError.other("coil \(address) of unit \(unit) is outside Modbus limits")
        }
        let request: [UInt8] = [0x05, UInt8(address >> 8), UInt8(address & 0xFF), on ? 0xFF : 0x00, 0x00]
        let pdu = try transact(unit: unit, request)
        guard pdu == request else { throw fail(.badFrame("the coil write was not echoed")) }
    }

    /// Sends one request PDU to `unit` and returns the answer's PDU, checked to be the answer to this request.
    ///
    /// The corresponding C functions are modbus_send_raw_request(3) (RTU), send(2) of our own MBAP frame (TCP),
    /// poll(2), and modbus_receive_confirmation(3).
    private func transact(unit: Int, _ pdu: [UInt8]) throws -> [UInt8] {
        try connect()
        if lateAnswerPossible {
            modbus_flush(ctx)
            lateAnswerPossible = false
        }
        modbus_set_slave(ctx, Int32(unit))
        let fd = modbus_get_socket(ctx)
        transactionID &+= 1
        let tid = transactionID
        if isTCP {
            let length = UInt16(pdu.count + 1)
            let frame = [UInt8(tid >> 8), UInt8(tid & 0xFF), 0, 0, UInt8(length >> 8), UInt8(length & 0xFF), UInt8(unit)] + pdu
            do {
                _ = try frame.withUnsafeBytes { b in try systemCall("send") { send(fd, b.baseAddress, b.count, Int32(MSG_NOSIGNAL)) } }
            } catch let e as Errno {
                throw fail(ModbusError.fromErrno(e.code, endpoint: endpoint.description))
            }
        } else {
            let raw = [UInt8(unit)] + pdu
            guard modbus_send_raw_request(ctx, raw, Int32(raw.count)) > 0 else { throw fail(ModbusError.fromErrno(errno, endpoint: endpoint.description)) }
        }
        let deadline = monotonicSeconds() + timeout
        let header = isTCP ? 7 : 1
        var rsp = [UInt8](repeating: 0, count: 260)   // MODBUS_MAX_ADU_LENGTH
        while true {
            try waitForAnswer(fd: fd, until: deadline)
            let n = Int(modbus_receive_confirmation(ctx, &rsp))
            if n < 0 { throw fail(ModbusError.fromErrno(errno, endpoint: endpoint.description)) }
            // libmodbus's RTU backend ignores (returns 0 for) a frame addressed from another unit.
            if n == 0 { throw fail(.badFrame("an answer from another unit than \(unit)")) }
            let trailer = isTCP ? 0 : 2   // RTU: the CRC, already checked by libmodbus
            guard n >= header + 2 + trailer else { throw fail(.badFrame("an answer of \(n) bytes is too short")) }
            if isTCP {
                let gotTID = UInt16(rsp[0]) << 8 | UInt16(rsp[1])
                if gotTID != tid {
                    // A late answer to an earlier request (it timed out): not this one. Keep waiting for ours.
                    continue
                }
                guard rsp[2] == 0, rsp[3] == 0 else { throw fail(.badFrame("protocol id \(Int(rsp[2]) << 8 | Int(rsp[3])), not Modbus (0)")) }
            }
            guard Int(rsp[header - 1]) == unit else {
                throw fail(.badFrame("answer from unit \(rsp[header - 1]) to a request for unit \(unit)"))
            }
            let answer = Array(rsp[header..<(n - trailer)])
            if answer[0] == pdu[0] | 0x80 { throw fail(.exception(code: Int(answer[1]))) }
            guard answer[0] == pdu[0] else { throw fail(.badFrame("answer with function \(answer[0]) to function \(pdu[0])")) }
            return answer
        }
    }

    /// Waits until the link has bytes, the deadline passes (`timeout`) or `interrupt()` is called (`interrupted`).
    private func waitForAnswer(fd: Int32, until deadline: Double) throws {
        while true {
            let left = deadline - monotonicSeconds()
            guard left > 0 else { throw fail(.timeout) }
            var pfds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: interruption.readEnd, events: Int16(POLLIN), revents: 0)]
            do {
                _ = try pollDescriptors(&pfds, timeoutMillis: Int32(min(left * 1000, 3_600_000).rounded(.up)))
            } catch let e as Errno {
                throw fail(ModbusError.fromErrno(e.code, endpoint: endpoint.description))
            }
            if pfds[1].revents != 0 { throw ModbusError.interrupted }
            if pfds[0].revents != 0 { return }
        }
    }


    private func fail(_ e: ModbusError) -> ModbusError {
        if e.needsReconnect { close() }
        // After a timeout or a damaged frame, bytes may still come: they are dropped before the next request.
        else { lateAnswerPossible = true; modbus_flush(ctx) }
        return e
    }
}

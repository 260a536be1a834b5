import CModbus
import ColdChain
import Glibc

/// Where a bus's devices are: RTU on a serial line, or TCP.
public enum ModbusEndpoint: Sendable, Equatable, CustomStringConvertible {
    case rtu(device: String, baud: Int, parity: String, dataBits: Int, stopBits: Int)
    case tcp(host: String, port: Int)

    public init(_ t: GatewayConfig.Bus.Transport) {
        switch t {
        case .rtu(let d, let b, let p, let db, let sb): self = .rtu(device: d, baud: b, parity: p, dataBits: db, stopBits: sb)
        case .tcp(let h, let p): self = .tcp(host: h, port: p)
        }
    }

    public var description: String {
        switch self {
        case .rtu(let d, let b, let p, let db, let sb): return "\(d) \(b) \(db)\(p.prefix(1).uppercased())\(sb)"
        case .tcp(let h, let p): return "\(h):\(p)"
        }
    }
}

/// A libmodbus client context: one per bus, used by one thread at a time (hence `@unchecked Sendable`: it may be
/// handed to that thread, never shared). Both transports sit behind this one
/// interface, as in libmodbus itself.
///
/// For RTU, libmodbus opens the serial device with O_RDWR|O_NOCTTY|O_NDELAY|O_EXCL (no controlling terminal, no
/// wait for carrier, no second opener), saves its termios and restores them on close, so the port is left as it
/// was found.
public final class ModbusClient: @unchecked Sendable {
    private let ctx: OpaquePointer
    public let endpoint: ModbusEndpoint
    public private(set) var isConnected = false
    /// Set after a timeout: the device may still answer, late, and that answer must not pass for the next one.
    private var lateAnswerPossible = false

    /// The corresponding C functions are modbus_new_tcp(3) and modbus_new_rtu(3).
    public init(_ endpoint: ModbusEndpoint, timeout: Double) throws {
        self.endpoint = endpoint
        let made: OpaquePointer?
        switch endpoint {
        case .tcp(let host, let port): made = modbus_new_tcp(host, Int32(port))
        case .rtu(let device, let baud, let parity, let dataBits, let stopBits):
            let p: CChar = parity == "even" ? 69 : parity == "odd" ? 79 : 78  // 'E', 'O', 'N'
            made = modbus_new_rtu(device, Int32(baud), p, Int32(dataBits), Int32(stopBits))
        }
        guard let made else { throw ModbusError.other("cannot create a Modbus context for \(endpoint): \(String(cString: modbus_strerror(errno)))") }
        ctx = made
        let whole = UInt32(timeout), micros = UInt32((timeout - Double(whole)) * 1_000_000)
        modbus_set_response_timeout(ctx, whole, micros)
        modbus_set_byte_timeout(ctx, whole, micros)
    }

    deinit {
        if isConnected { modbus_close(ctx) }
        modbus_free(ctx)
    }

    /// Opens the TCP connection or the serial port.
    ///
    /// The corresponding C function is modbus_connect(3).
    public func connect() throws {
        guard !isConnected else { return }
        if modbus_connect(ctx) != 0 { throw ModbusError.fromErrno(errno, endpoint: endpoint.description) }
        isConnected = true
    }

    /// The corresponding C function is modbus_close(3).
    public func close() {
        if isConnected { modbus_close(ctx); isConnected = false }
    }

    /// Reads `count` registers from `unit`.
    ///
    /// The corresponding C functions are modbus_read_registers(3) and modbus_read_input_registers(3).
    public func readRegisters(unit: Int, table: DeviceProfile.Table, address: Int, count: Int) throws -> [UInt16] {
        try prepare()
        modbus_set_slave(ctx, Int32(unit))
        var regs = [UInt16](repeating: 0, count: count)
        let n = regs.withUnsafeMutableBufferPointer { buf in
            table == .holding ? modbus_read_registers(ctx, Int32(address), Int32(count), buf.baseAddress)
                : modbus_read_input_registers(ctx, Int32(address), Int32(count), buf.baseAddress)
        }
        guard n == count else { throw fail() }
        return regs
    }

    /// Switches a coil (the alarm relay).
    ///
    /// The corresponding C function is modbus_write_bit(3).
    public func writeCoil(unit: Int, address: Int, on: Bool) throws {
        try prepare()
        modbus_set_slave(ctx, Int32(unit))
        guard modbus_write_bit(ctx, Int32(address), on ? 1 : 0) == 1 else { throw fail() }
    }

    /// Connects if needed and drops a late answer to an earlier request, if one may have come in since.
    ///
    /// The corresponding C function is modbus_flush(3).
    private func prepare() throws {
        try connect()
        if lateAnswerPossible {
            modbus_flush(ctx)
            lateAnswerPossible = false
        }
    }

    private func fail() -> ModbusError {
        let e = ModbusError.fromErrno(errno, endpoint: endpoint.description)
        if e.needsReconnect { close() }
        // After a timeout or a damaged frame, bytes may still come: they are dropped before the next request.
        else { lateAnswerPossible = true; modbus_flush(ctx) }
        return e
    }
}

import CModbus
import CShims
import ColdChain
import Glibc
import POSIX
import Synchronization

/// A Modbus server on TCP (any number of unit ids) or RTU (one unit id, as libmodbus's RTU server filters on
/// it), for coldchain-sim and the tests. Each request is answered by `handler`.
///
/// `@unchecked Sendable`, guard: the libmodbus context is used only by the serving thread; `thread` and `listener`
/// are set by `start()` and `stop()`, which the one owner calls (never concurrently), and `stopping` is a mutex.
public final class ModbusServer: @unchecked Sendable {
    public enum Request: Sendable, Equatable {
        case readRegisters(table: DeviceProfile.Table, address: Int, count: Int)
        /// Coils (function 1) or discrete inputs (function 2).
        case readBits(coils: Bool, address: Int, count: Int)
        case writeCoil(address: Int, on: Bool)
    }

    public enum Response: Sendable, Equatable {
        case registers([UInt16])
        case bits([Bool])
        case done
        case exception(Int)
        /// Send nothing: the client times out, as with a dead probe.
        case silence
    }

    public typealias Handler = @Sendable (_ unit: Int, _ request: Request) -> Response

    private let ctx: OpaquePointer
    private let handler: Handler
    private let stopping = Mutex(false)
    private var thread: POSIXThread?
    private var listener: Int32 = -1
    /// The TCP port, useful when 0 was asked for.
    public private(set) var port = 0
    public let description: String

    /// Listens on `host:port` (port 0 picks a free one).
    ///
    /// The corresponding C function is modbus_tcp_listen(3).
    public init(tcpHost host: String, port: Int, handler: @escaping Handler) throws {
        guard let c = modbus_new_tcp(host, Int32(port)) else { throw ModbusError.other("modbus_new_tcp failed") }
        ctx = c
        self.handler = handler
        listener = modbus_tcp_listen(ctx, 16)
        guard listener >= 0 else {
            let e = errno
            modbus_free(ctx)
            throw ModbusError.other("cannot listen on \(host):\(port): \(String(cString: strerror(e)))")
        }
        var addr = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = listener
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let bound = Int(UInt16(bigEndian: addr.sin_port))
        description = "\(host):\(bound)"
        self.port = bound
    }

    /// Serves unit `unit` on a serial device (a real port or a pseudo-terminal).
    public init(rtuDevice device: String, baud: Int, unit: Int, handler: @escaping Handler) throws {
        guard let c = modbus_new_rtu(device, Int32(baud), 78, 8, 1) else { throw ModbusError.other("modbus_new_rtu failed") }
        ctx = c
        self.handler = handler
        modbus_set_slave(ctx, Int32(unit))
        guard modbus_connect(ctx) == 0 else {
            let e = errno
            modbus_free(ctx)
            throw ModbusError.other("cannot open \(device): \(String(cString: strerror(e)))")
        }
        description = "\(device) unit \(unit)"
    }

    /// Serves unit `unit` on an already open descriptor: the master side of a pseudo-terminal, whose slave side
    /// the client opens as its serial device. (libmodbus opens devices by path; a pty master has none.)
    public init(rtuDescriptor fd: Int32, unit: Int, handler: @escaping Handler) throws {
        guard let c = modbus_new_rtu("/dev/null", 9600, 78, 8, 1) else { throw ModbusError.other("modbus_new_rtu failed") }
        ctx = c
        self.handler = handler
        modbus_set_slave(ctx, Int32(unit))
        modbus_set_socket(ctx, fd)
        description = "pty unit \(unit)"
    }

    deinit {
        stop()
        modbus_close(ctx)
        modbus_free(ctx)
    }

    public func start() throws {
        let tcp = listener >= 0
        thread = try POSIXThread(name: "modbus-server") { [self] in
            if tcp { serveTCP() } else { serveRTU() }
        }
    }

    /// Stops serving: closes every client connection and the listening socket, so clients see the server gone.
    /// (The serving thread holds the server, so call this rather than waiting for deinit.)
    public func stop() {
        stopping.withLock { $0 = true }
        thread?.join()
        thread = nil
        if listener >= 0 { Glibc.close(listener); listener = -1 }
    }

    private var isStopping: Bool { stopping.withLock { $0 } }

    private func serveTCP() {
        var clients: [Int32] = []
        defer { clients.forEach { Glibc.close($0) } }
        while !isStopping {
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)] + clients.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), 100) > 0 else { continue }
            if fds[0].revents != 0 {
                let c = accept(listener, nil, nil)
                if c >= 0 { clients.append(c) }
            }
            for p in fds.dropFirst() where p.revents != 0 {
                modbus_set_socket(ctx, p.fd)
                let alive = answerOne()
                // The context must not keep a descriptor it does not own: modbus_close in deinit would close
                // whatever that number has become by then (another server's listening socket, in the tests).
                modbus_set_socket(ctx, -1)
                if !alive {
                    Glibc.close(p.fd)
                    clients.removeAll { $0 == p.fd }
                }
            }
        }
    }

    private func serveRTU() {
        // A short indication timeout lets the loop notice stop() between requests.
        modbus_set_indication_timeout(ctx, 0, 100_000)
        while !isStopping {
            _ = answerOne()
        }
    }

    /// Receives one request and answers it; false when the connection is gone.
    private func answerOne() -> Bool {
        var query = [UInt8](repeating: 0, count: Int(MODBUS_TCP_MAX_ADU_LENGTH))
        let n = modbus_receive(ctx, &query)
        if n < 0 {
            // A timeout or a damaged frame leaves the link usable; anything else means the client is gone.
            let e = errno, base = Int32(MODBUS_ENOBASE)
            return e == ETIMEDOUT || e == base + 12 || e == base + 13
        }
        if n == 0 { return true }  // a request for another unit (RTU)
        let offset = Int(modbus_get_header_length(ctx))
        let unit = Int(query[offset - 1])
        let function = query[offset]
        let address = Int(query[offset + 1]) << 8 | Int(query[offset + 2])
        let value = Int(query[offset + 3]) << 8 | Int(query[offset + 4])
        let request: Request
        switch function {
        case 1, 2: request = .readBits(coils: function == 1, address: address, count: value)
        case 3: request = .readRegisters(table: .holding, address: address, count: value)
        case 4: request = .readRegisters(table: .input, address: address, count: value)
        case 5: request = .writeCoil(address: address, on: value == 0xFF00)
        default:
            modbus_reply_exception(ctx, query, UInt32(MODBUS_EXCEPTION_ILLEGAL_FUNCTION))
            return true
        }
        switch handler(unit, request) {
        case .silence: return true
        case .exception(let code): modbus_reply_exception(ctx, query, UInt32(code))
        case .done:
            let m = modbus_mapping_new_start_address(UInt32(address), 1, 0, 0, 0, 0, 0, 0)
            modbus_reply(ctx, query, n, m)
            modbus_mapping_free(m)
        case .bits(let bits):
            guard case .readBits(let coils, _, let count) = request, bits.count == count,
                  let m = modbus_mapping_new_start_address(coils ? UInt32(address) : 0, coils ? UInt32(count) : 0,
                                                           coils ? 0 : UInt32(address), coils ? 0 : UInt32(count), 0, 0, 0, 0) else {
                modbus_reply_exception(ctx, query, UInt32(MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE))
                return true
            }
            let dest = coils ? m.pointee.tab_bits! : m.pointee.tab_input_bits!
            for (i, b) in bits.enumerated() { dest[i] = b ? 1 : 0 }
            modbus_reply(ctx, query, n, m)
            modbus_mapping_free(m)
        case .registers(let regs):
            guard case .readRegisters(let table, _, let count) = request, regs.count == count else {
                modbus_reply_exception(ctx, query, UInt32(MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE))
                return true
            }
            let holding = table == .holding
            guard let m = modbus_mapping_new_start_address(0, 0, 0, 0, holding ? UInt32(address) : 0, holding ? UInt32(count) : 0,
                                                          holding ? 0 : UInt32(address), holding ? 0 : UInt32(count)) else { return true }
            let dest = holding ? m.pointee.tab_registers! : m.pointee.tab_input_registers!
            for (i, r) in regs.enumerated() { dest[i] = r }
            modbus_reply(ctx, query, n, m)
            modbus_mapping_free(m)
        }
        return true
    }
}

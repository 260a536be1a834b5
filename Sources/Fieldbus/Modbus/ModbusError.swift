import CModbus
import Glibc

/// A failed Modbus transaction, told apart the way a technician needs: no answer, a garbled answer, a refusal
/// by the device, or a link that is down.
public enum ModbusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No (complete) answer within the timeout: device off, wrong unit id, wrong baud rate, broken wire.
    case timeout
    /// An answer arrived but was damaged or not the one asked for (bad CRC, wrong length, wrong unit).
    case badFrame(String)
    /// The device answered with a Modbus exception (1 illegal function, 2 illegal data address, ...).
    case exception(code: Int)
    /// Nothing listens at the TCP address, or the serial device does not exist.
    case connectionRefused(String)
    /// The link broke: TCP reset, USB adapter unplugged.
    case connectionLost(String)
    /// The wait was ended by `ModbusClient.interrupt()` (the daemon is stopping).
    case interrupted
    case other(String)

    public var description: String {
        switch self {
        case .timeout: return "timeout: no answer"
        case .badFrame(let d): return "bad frame: \(d)"
        case .exception(let c): return "Modbus exception \(c) (\(Self.exceptionName(c)))"
        case .connectionRefused(let d): return "connection refused: \(d)"
        case .connectionLost(let d): return "connection lost: \(d)"
        case .interrupted: return "interrupted: the gateway is stopping"
        case .other(let d): return d
        }
    }

    /// Whether the link must be reopened before the next transaction.
    public var needsReconnect: Bool {
        switch self {
        case .connectionLost, .connectionRefused, .other: return true
        case .timeout, .badFrame, .exception, .interrupted: return false
        }
    }

    static func exceptionName(_ code: Int) -> String {
        ["", "illegal function", "illegal data address", "illegal data value", "server device failure", "acknowledge",
         "server device busy", "negative acknowledge", "memory parity error", "", "gateway path unavailable",
         "gateway target failed to respond"][safe: code] ?? "unknown"
    }

    /// Classifies libmodbus's errno after a failed call.
    static func fromErrno(_ e: Int32, endpoint: String) -> ModbusError {
        let base = Int32(MODBUS_ENOBASE)
        switch e {
        case ETIMEDOUT: return .timeout
        case base + 1...base + 11: return .exception(code: Int(e - base))
        case base + 12...base + 17: return .badFrame(String(cString: modbus_strerror(e)))
        case ECONNREFUSED, ENOENT, ENODEV, ENXIO, EHOSTUNREACH, ENETUNREACH:
            return .connectionRefused("\(endpoint): \(String(cString: modbus_strerror(e)))")
        case ECONNRESET, EPIPE, EBADF, EIO, ENOTCONN:
            return .connectionLost("\(endpoint): \(String(cString: modbus_strerror(e)))")
        default: return .other("\(endpoint): \(String(cString: modbus_strerror(e)))")
        }
    }
}

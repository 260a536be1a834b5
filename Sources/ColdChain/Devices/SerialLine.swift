/// The serial line speeds the gateway can set: the termios rates Linux has between 1200 and 115200 baud. The config
/// accepts only these, and `SerialPort` maps exactly these; there is no silent default between them (14400, a common
/// Modbus rate on other platforms, has no termios constant: it was once accepted and quietly run at 9600).
public enum SerialBaud {
    public static let rates = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115_200]
}

/// A serial line's parity, as the config and device profiles name it.
public enum Parity: String, Sendable, CaseIterable {
    case none, even, odd

    /// libmodbus's letter: 'N', 'E' or 'O'.
    public var letter: Character {
        switch self {
        case .none: "N"
        case .even: "E"
        case .odd: "O"
        }
    }
}

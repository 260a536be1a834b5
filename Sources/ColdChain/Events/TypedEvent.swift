/// A ledger event's body as its type: decoding a stored event goes through here, so every reader sees the same
/// fields the producer wrote.
public enum TypedEvent: Sendable, Equatable {
    case gatewayStarted(GatewayStarted)
    case gatewayStopped(GatewayStopped)
    case gatewayGap(GatewayGap)
    case configLoaded(ConfigLoaded)
    case ledgerUnrecorded(LedgerUnrecorded)
    case reading(Reading)
    case probeFault(ProbeFault)
    case sensorNoData(SensorNoData)
    case sensorRecovered(SensorRecovered)
    case excursionOpened(ExcursionOpened)
    case excursionPeak(ExcursionPeak)
    case excursionClosed(ExcursionClosed)
    case alarmOpened(AlarmOpened)
    case alarmAcknowledged(AlarmAcknowledged)
    case alarmClosed(AlarmClosed)
    case alarmReminder(AlarmReminder)
    case scan(Scan)
    case scannerSwitched(ScannerSwitched)
    case scannerNoise(ScannerNoise)
    case holdAdded(HoldAdded)
    case holdRemoved(HoldRemoved)
    case inspectionRecorded(InspectionRecorded)
    case backupCompleted(BackupCompleted)
    case backupFailed(BackupFailed)
    case clockBehind(ClockBehind)
    case clockCorrected(ClockCorrected)
    case clockAhead(ClockAhead)
    case powerLost(PowerLost)
    case powerRestored(PowerRestored)
    case powerBatteryLow(PowerBatteryLow)
    case powerUnknown(PowerUnknown)
    case powerKnown(PowerKnown)
    case doorOpened(DoorOpened)
    case doorClosed(DoorClosed)
    case alarmNotified(AlarmNotified)
    case billReceived(BillReceived)
    case billClosed(BillClosed)
    case assessmentRecorded(AssessmentRecorded)

    /// Decodes a stored body of type `type`; nil for a type this build does not know (a newer gateway's).
    public init?(type: String, body: JSONValue) throws(EventBodyError) {
        guard let t = EventType(rawValue: type) else { return nil }
        switch t {
        case .gatewayStarted: self = .gatewayStarted(try GatewayStarted(json: body))
        case .gatewayStopped: self = .gatewayStopped(try GatewayStopped(json: body))
        case .gatewayGap: self = .gatewayGap(try GatewayGap(json: body))
        case .configLoaded: self = .configLoaded(try ConfigLoaded(json: body))
        case .ledgerUnrecorded: self = .ledgerUnrecorded(try LedgerUnrecorded(json: body))
        case .reading: self = .reading(try Reading(json: body))
        case .probeFault: self = .probeFault(try ProbeFault(json: body))
        case .sensorNoData: self = .sensorNoData(try SensorNoData(json: body))
        case .sensorRecovered: self = .sensorRecovered(try SensorRecovered(json: body))
        case .excursionOpened: self = .excursionOpened(try ExcursionOpened(json: body))
        case .excursionPeak: self = .excursionPeak(try ExcursionPeak(json: body))
        case .excursionClosed: self = .excursionClosed(try ExcursionClosed(json: body))
        case .alarmOpened: self = .alarmOpened(try AlarmOpened(json: body))
        case .alarmAcknowledged: self = .alarmAcknowledged(try AlarmAcknowledged(json: body))
        case .alarmClosed: self = .alarmClosed(try AlarmClosed(json: body))
        case .alarmReminder: self = .alarmReminder(try AlarmReminder(json: body))
        case .scan: self = .scan(try Scan(json: body))
        case .scannerSwitched: self = .scannerSwitched(try ScannerSwitched(json: body))
        case .scannerNoise: self = .scannerNoise(try ScannerNoise(json: body))
        case .holdAdded: self = .holdAdded(try HoldAdded(json: body))
        case .holdRemoved: self = .holdRemoved(try HoldRemoved(json: body))
        case .inspectionRecorded: self = .inspectionRecorded(try InspectionRecorded(json: body))
        case .backupCompleted: self = .backupCompleted(try BackupCompleted(json: body))
        case .backupFailed: self = .backupFailed(try BackupFailed(json: body))
        case .clockBehind: self = .clockBehind(try ClockBehind(json: body))
        case .clockCorrected: self = .clockCorrected(try ClockCorrected(json: body))
        case .clockAhead: self = .clockAhead(try ClockAhead(json: body))
        case .powerLost: self = .powerLost(try PowerLost(json: body))
        case .powerRestored: self = .powerRestored(try PowerRestored(json: body))
        case .powerBatteryLow: self = .powerBatteryLow(try PowerBatteryLow(json: body))
        case .powerUnknown: self = .powerUnknown(try PowerUnknown(json: body))
        case .powerKnown: self = .powerKnown(try PowerKnown(json: body))
        case .doorOpened: self = .doorOpened(try DoorOpened(json: body))
        case .doorClosed: self = .doorClosed(try DoorClosed(json: body))
        case .alarmNotified: self = .alarmNotified(try AlarmNotified(json: body))
        case .billReceived: self = .billReceived(try BillReceived(json: body))
        case .billClosed: self = .billClosed(try BillClosed(json: body))
        case .assessmentRecorded: self = .assessmentRecorded(try AssessmentRecorded(json: body))
        }
    }

    /// The body, as it is written.
    public var body: any EventBody {
        switch self {
        case .gatewayStarted(let b): b
        case .gatewayStopped(let b): b
        case .gatewayGap(let b): b
        case .configLoaded(let b): b
        case .ledgerUnrecorded(let b): b
        case .reading(let b): b
        case .probeFault(let b): b
        case .sensorNoData(let b): b
        case .sensorRecovered(let b): b
        case .excursionOpened(let b): b
        case .excursionPeak(let b): b
        case .excursionClosed(let b): b
        case .alarmOpened(let b): b
        case .alarmAcknowledged(let b): b
        case .alarmClosed(let b): b
        case .alarmReminder(let b): b
        case .scan(let b): b
        case .scannerSwitched(let b): b
        case .scannerNoise(let b): b
        case .holdAdded(let b): b
        case .holdRemoved(let b): b
        case .inspectionRecorded(let b): b
        case .backupCompleted(let b): b
        case .backupFailed(let b): b
        case .clockBehind(let b): b
        case .clockCorrected(let b): b
        case .clockAhead(let b): b
        case .powerLost(let b): b
        case .powerRestored(let b): b
        case .powerBatteryLow(let b): b
        case .powerUnknown(let b): b
        case .powerKnown(let b): b
        case .doorOpened(let b): b
        case .doorClosed(let b): b
        case .alarmNotified(let b): b
        case .billReceived(let b): b
        case .billClosed(let b): b
        case .assessmentRecorded(let b): b
        }
    }

    /// The body's type name.
    public var type: EventType { Swift.type(of: body).type }
}

import FoundationEssentials

/// The ledger's event types. The same names go to the platform; a name is never reused for another meaning.
public enum EventType: String, Sendable, CaseIterable {
    case gatewayStarted = "gateway.started"
    case gatewayStopped = "gateway.stopped"
    case gatewayGap = "gateway.gap"
    case configLoaded = "config.loaded"
    case reading
    case probeFault = "probe.fault"
    case sensorNoData = "sensor.no_data"
    case sensorRecovered = "sensor.recovered"
    case excursionOpened = "excursion.opened"
    case excursionPeak = "excursion.peak"
    case excursionClosed = "excursion.closed"
    case alarmOpened = "alarm.opened"
    case alarmAcknowledged = "alarm.acknowledged"
    case alarmClosed = "alarm.closed"
    case scan
    case holdAdded = "hold.added"
    case holdRemoved = "hold.removed"
    case scannerSwitched = "scanner.switched"
    /// A scanner line producing unrecognised codes faster than a person scans: one event per interval, with the count
    /// and a sample, instead of one `scan` each (2.1 MB of noise once became 24,711 events, kept for ever).
    case scannerNoise = "scanner.noise"
    /// Written once the ledger accepts writes again after it refused them (disk full, I/O error): the period, the
    /// error, and what was lost (readings per sensor, scans, other events). Memory never held what was not written.
    case ledgerUnrecorded = "ledger.unrecorded"
    /// A person's reading of the fridge's thermometer (the manual check of the temperature record sheet).
    case inspectionRecorded = "inspection.recorded"
    /// The daily backup: a verified copy and how far it reaches, or why there is none.
    case backupCompleted = "backup.completed"
    case backupFailed = "backup.failed"
    /// The system clock read earlier than the record's time; the record kept going forward (RecordClock).
    case clockBehind = "clock.behind"
    /// The system clock stepped forward, or came back into line after `clock.behind`, with the offset.
    case clockCorrected = "clock.corrected"
    /// The system clock stepped further forward than the record follows blindly; the record kept its own time.
    case clockAhead = "clock.ahead"
    /// Mains power off, back, the UPS's battery low, the source unreadable, readable again (Events/SiteEvents).
    case powerLost = "power.lost"
    case powerRestored = "power.restored"
    case powerBatteryLow = "power.battery_low"
    case powerUnknown = "power.unknown"
    case powerKnown = "power.known"
    /// A fridge's door switch, debounced: open, and shut again with how long it was open.
    case doorOpened = "door.opened"
    case doorClosed = "door.closed"
    /// One attempt to tell a person of an alarm (a robot message, an SMS, the command), with its outcome.
    case alarmNotified = "alarm.notified"
    /// Not recorded: what `alarm_command` is sent every `repeat` while an alarm stays open.
    case alarmReminder = "alarm.reminder"
    /// A delivery bill's part as it arrived, and the end of receiving against it (Events/BillEvents).
    case billReceived = "bill.received"
    case billClosed = "bill.closed"
    /// The decision on doses exposed to an excursion: released for use, or to be discarded.
    case assessmentRecorded = "assessment.recorded"
}

extension EventType {
    /// Events that must not wait behind a backlog of readings: the uplink sends them ahead of the ordered stream.
    public static let urgent: [EventType] = [.alarmOpened, .alarmAcknowledged, .alarmClosed, .excursionOpened, .excursionClosed,
                                             .sensorNoData, .gatewayGap, .ledgerUnrecorded, .powerLost, .powerRestored,
                                             .powerBatteryLow]

    /// The alarm's own events, which `alarm_command` is run for.
    public var isAlarm: Bool { self == .alarmOpened || self == .alarmAcknowledged || self == .alarmClosed }

    /// Whether the ledger holds events of this type (a reminder only goes to `alarm_command`).
    public var isRecorded: Bool { self != .alarmReminder }

    /// The events that say how a power source stands, newest last (the hub restores from them).
    public static let power: [EventType] = [.powerLost, .powerRestored, .powerBatteryLow, .powerUnknown, .powerKnown]
    public static let door: [EventType] = [.doorOpened, .doorClosed]
}

/// The running version, shown by `status` and recorded in `gateway.started`.
public enum Version {
    public static let current = "0.1.0"
    /// No clock reading before this build existed is right (2026-11-01T00:00:00Z): a board without a battery-backed
    /// clock that boots at 1970 or 2020 with a new ledger is behind this, as it would be behind a ledger's newest event.
    public static let earliestPlausibleTime = Date(timeIntervalSince1970: 1_793_491_200)
}

/// Why an alarm is open: an excursion of its sensor, a sensor that has gone silent, mains power off for longer than
/// `power.alarm_after`, or a door open for longer than `door_open_after`. The raw value is what the ledger's
/// `alarm.opened` bodies hold. A power or door alarm's `sensor` is its source (`ups:NAME`, `input:ID`) or input id.
public enum AlarmCause: String, Sendable, CaseIterable, Codable {
    case excursion
    case noData = "no_data"
    case power
    case door
}

/// What an excursion started during: a power cut or an open door of its fridge (power first: it explains both).
/// Recorded on every event of the excursion; absent when neither.
public enum ExcursionCause: String, Sendable, CaseIterable, Codable {
    case power
    case door
}

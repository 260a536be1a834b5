/// Why an alarm is open: an excursion of its sensor, or a sensor that has gone silent. The raw value is what the
/// ledger's `alarm.opened` bodies hold.
public enum AlarmCause: String, Sendable, CaseIterable, Codable {
    case excursion
    case noData = "no_data"
}

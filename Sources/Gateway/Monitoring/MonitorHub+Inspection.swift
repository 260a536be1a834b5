import ColdChain
import Control
import FoundationEssentials
import Storage

extension MonitorHub {
    /// Records a person's reading of the fridge's thermometer beside the probe reading closest to it. A probe
    /// reading counts when it is newer than the fridge's `comm_loss_after`: an older one says nothing about now.
    public func recordInspection(fridge id: String, celsius: Double, by name: String, note: String?, uid: UInt32?, at t: Date)
        -> Result<(LedgerEvent, InspectionRecorded), ControlFailure>
    {
        let fridge: GatewayConfig.Fridge
        do { fridge = try config.fridge(id) } catch { return .failure(error) }
        let by = name.trimmingWhitespace
        guard !by.isEmpty else { return .failure(ControlFailure(.invalidArgument, "who read the thermometer? (--by NAME)")) }
        let trimmedNote = note?.trimmingWhitespace
        var body: InspectionRecorded?
        let outcome = commit { s in
            let current = fridge.sensors.compactMap { sensor -> (String, Double, Date)? in
                guard let (at, c, _) = s.lastReading[sensor.id], t.timeIntervalSince(at) <= fridge.alarm.commLossAfter else { return nil }
                return (sensor.id, c, at)
            }
            let nearest = current.min { abs($0.1 - celsius) < abs($1.1 - celsius) }
            let b = InspectionRecorded(fridge: fridge.id, celsius: celsius, by: by, uid: uid.map { Int($0) },
                                       note: trimmedNote?.isEmpty == false ? trimmedNote : nil,
                                       probeSensor: nearest?.0, probeCelsius: nearest.map { Self.rounded($0.1) }, probeAt: nearest?.2)
            body = b
            return [NewEvent(b, at: t)]
        }
        switch outcome {
        case .failure(let refusal): return .failure(refusal.controlFailure)
        case .success(let written):
            guard let e = written.first, let body else { return .failure(ControlFailure(.internal, "the ledger did not accept the check")) }
            return .success((e, body))
        }
    }
}

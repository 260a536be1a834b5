import ColdChain
import Control
import FoundationEssentials

extension CtlCommand {
    static func renderCheck(_ r: CheckReply) {
        print("check recorded (ledger event \(r.seq)): \(r.fridge.escapedForTerminal) thermometer \(r.celsius) °C by \(r.by.escapedForTerminal) at \(PeopleTime.local(r.at))")
        guard let sensor = r.probeSensor, let probe = r.probeCelsius, let difference = r.differenceC else {
            print("no current probe reading to compare with (the sheet shows the check alone)")
            return
        }
        let at = r.probeAt.map { " at \(PeopleTime.local($0))" } ?? ""
        if r.flagged {
            print("DIFFERS from probe \(sensor.escapedForTerminal) (\(probe) °C\(at)) by \(difference) °C, more than \(InspectionRecorded.tolerance) °C: "
                  + "flagged in the record; check the thermometer and the probe")
        } else {
            print("agrees with probe \(sensor.escapedForTerminal) (\(probe) °C\(at)) within \(InspectionRecorded.tolerance) °C (difference \(difference) °C)")
        }
    }
}

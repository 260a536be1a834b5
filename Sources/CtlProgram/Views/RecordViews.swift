import ColdChain
import Control
import FoundationEssentials

extension CtlCommand {
    static func renderBackup(_ reply: BackupReply) {
        let r = reply.body
        if let aside = reply.notes["set_aside"] {
            print("the copy there did not match this ledger (\((reply.notes["set_aside_reason"] ?? "").escapedForTerminal)); kept as \(aside.escapedForTerminal)")
        }
        print("\(r.full ? "full copy" : "extended") \(r.file.escapedForTerminal): \(r.copied) events copied, to event \(r.headSeq) "
              + "(hash \(r.headHash.prefix(16))…), \(ByteSize.text(Double(r.bytes))), checked in \(DurationText.describe(r.seconds))")
        print("check it any time: coldchainctl verify --ledger \(r.file.escapedForTerminal)")
    }

    static func renderCheck(_ reply: CheckReply) {
        let r = reply.body
        print("check recorded (ledger event \(reply.seq)): \(r.fridge.escapedForTerminal) thermometer \(r.celsius) °C by \(r.by.escapedForTerminal) at \(PeopleTime.local(reply.at))")
        guard let sensor = r.probeSensor, let probe = r.probeCelsius, let difference = r.difference else {
            print("no current probe reading to compare with (the sheet shows the check alone)")
            return
        }
        let at = r.probeAt.map { " at \(PeopleTime.local($0))" } ?? ""
        if r.flagged {
            // The size of the difference, and which way (it printed "by -5.3 °C").
            print("DIFFERS from probe \(sensor.escapedForTerminal) (\(probe) °C\(at)) by \(abs(difference)) °C (the thermometer reads \(difference < 0 ? "lower" : "higher")), more than \(InspectionRecorded.tolerance) °C: "
                  + "flagged in the record; check the thermometer and the probe")
        } else {
            print("agrees with probe \(sensor.escapedForTerminal) (\(probe) °C\(at)) within \(InspectionRecorded.tolerance) °C (the thermometer reads \(abs(difference)) °C \(difference < 0 ? "lower" : "higher"))")
        }
    }
}

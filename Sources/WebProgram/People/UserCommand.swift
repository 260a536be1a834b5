import ColdChain
import Glibc

/// `coldchain-web user add|remove|list`: the people who may log in. Run by root or the web's own user on the
/// gateway; a running coldchain-web reads the file at each login (no restart).
enum UserCommand {
    static let usage = """
        usage: coldchain-web user add NAME --role viewer|nurse|technician [--users FILE]
               coldchain-web user remove NAME [--users FILE]
               coldchain-web user list [--users FILE]
        add asks for the password twice (at a terminal) or reads one line from standard input; a name already
        there gets the new password and role. Roles: a viewer sees; a nurse also uses the desk page; a technician
        also acknowledges alarms.
        """

    static func run(_ args: ArraySlice<String>) -> Int32 {
        var rest = args, positional: [String] = [], role: Role?, path = UserFile.defaultPath
        while let a = rest.popFirst() {
            switch a {
            case "--role":
                guard let v = rest.popFirst(), let r = Role(rawValue: v) else { return fail("--role is viewer, nurse or technician") }
                role = r
            case "--users":
                guard let v = rest.popFirst() else { return fail("--users needs a file") }
                path = v
            default:
                if a.hasPrefix("--") { return fail("unknown option '\(a.truncated(40).escapedForTerminal)'") }
                positional.append(a)
            }
        }
        var file: UserFile
        do { file = try UserFile.read(path) } catch { return fail("\(error)", status: 66) }
        switch (positional.first, positional.count) {
        case ("list", 1):
            if file.people.isEmpty { print("no one yet: coldchain-web user add NAME --role technician") }
            for p in file.people { print("\(p.name.escapedForTerminal)  \(p.role.rawValue)") }
            return 0
        case ("remove", 2):
            let name = positional[1]
            guard file.person(name) != nil else { return fail("no one is called '\(name.escapedForTerminal)'", status: 65) }
            file.people.removeAll { $0.name == name }
            do { try file.write(path) } catch { return fail("\(error)", status: 73) }
            print("removed \(name.escapedForTerminal) (a session open now ends within 12 hours, or at coldchain-web's restart)")
            return 0
        case ("add", 2):
            let name = positional[1]
            if let problem = UserFile.problem(name: name) { return fail("\(problem): '\(name.truncated(40).escapedForTerminal)'") }
            guard let role else { return fail("add needs --role viewer|nurse|technician") }
            guard let password = readPassword() else { return fail("no password given", status: 65) }
            if let problem = problem(password: password) { return fail(problem, status: 65) }
            guard let hash = Password.hash(password) else { return fail("libcrypt could not make a yescrypt hash", status: 70) }
            let person = UserFile.Person(name: name, role: role, hash: hash)
            if let i = file.people.firstIndex(where: { $0.name == name }) { file.people[i] = person } else {
                guard file.people.count < UserFile.maxPeople else { return fail("at most \(UserFile.maxPeople) people", status: 65) }
                file.people.append(person)
            }
            do { try file.write(path) } catch { return fail("\(error)", status: 73) }
            print("\(name.escapedForTerminal) may log in as \(role.rawValue) (\(path))")
            return 0
        default:
            return fail("what to do? add, remove or list")
        }
    }

    static func problem(password: String) -> String? {
        if password.count < 8 { return "a password has at least 8 characters" }
        if password.utf8.count > 256 { return "a password has at most 256 bytes" }
        if password.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return "a password has no control characters" }
        return nil
    }

    /// At a terminal: asked twice without echo. Otherwise: the first line of standard input.
    static func readPassword() -> String? {
        guard isatty(0) != 0 else { return readLine(strippingNewline: true) }
        func ask(_ prompt: String) -> String? {
            var saved = termios()
            tcgetattr(0, &saved)
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSAFLUSH, &quiet)
            defer { tcsetattr(0, TCSAFLUSH, &saved); print("") }
            print(prompt, terminator: "")
            fflush(nil)
            return readLine(strippingNewline: true)
        }
        guard let first = ask("password: "), let again = ask("again: ") else { return nil }
        guard first == again else { say("coldchain-web: the two passwords differ"); return nil }
        return first
    }

    static func fail(_ message: String, status: Int32 = 64) -> Int32 {
        say("coldchain-web user: \(message)" + (status == 64 ? "\n" + usage : ""))
        return status
    }

    static func say(_ text: String) {
        var line = text + "\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

import FoundationEssentials
import Glibc

/// Reading a config, device profile or scenario file: what cannot be read or parsed is a problem with the file's
/// name (and line:column for syntax), never a crash. Shared by the daemon's `ConfigLoader` and the simulator.
public enum ConfigFile {
    /// One device profile file.
    public static func loadProfile(file: String, expectedID: String?) -> Result<DeviceProfile, ConfigError> {
        let problems = ConfigProblems(file: file)
        guard let bytes = read(file, problems: problems, key: ""),
              let root = parseJSON5(bytes, file: file, problems: problems),
              let profile = DeviceProfile.decode(ConfigNode(value: root, path: "", problems: problems), expectedID: expectedID)
        else { return .failure(ConfigError(problems.list)) }
        return .success(profile)
    }

    public static func read(_ path: String, problems: ConfigProblems, key: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason: String
            if access(path, F_OK) != 0 { reason = "no such file" }
            else if isDirectory(path) { reason = "is a folder, not a file" }
            else { reason = "cannot read it (\(String(cString: strerror(errno))))" }
            problems.add(key, "\(reason)")
            return nil
        }
        return [UInt8](data)
    }

    public static func parseJSON5(_ bytes: [UInt8], file: String, problems: ConfigProblems) -> JSONValue? {
        if let nul = bytes.firstIndex(of: 0) {
            // Foundation's decoder stops at a NUL byte and would accept what comes before it.
            let line = bytes[..<nul].filter { $0 == 0x0A }.count + 1
            problems.add(ConfigProblem(file: "\(file):\(line)", path: "", message: "the file contains a NUL byte: it is not a text file"))
            return nil
        }
        do {
            let v = try JSONValue.parseJSON5(Data(bytes))
            guard case .object = v else {
                problems.add("", "the file must hold one JSON5 object { ... }")
                return nil
            }
            return v
        } catch let e as JSON5SyntaxError {
            // Syntax errors are printed FILE:LINE:COLUMN: what, the form editors jump to.
            problems.add(ConfigProblem(file: "\(file):\(e.line):\(e.column)", path: "", message: e.message))
        } catch {
            problems.add("", "not valid JSON5 (Foundation's decoder refused it; the syntax checker found no position)")
        }
        return nil
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}

/// A size for people: B, KiB, MiB, GiB (one decimal from MiB on).
public enum ByteSize {
    public static func text(_ n: Double) -> String {
        guard n.isFinite, n >= 0 else { return "?" }
        if n < 1024 { return "\(Int(n)) B" }
        if n < 1_048_576 { return "\(Int((n / 1024).rounded())) KiB" }
        if n < 1_073_741_824 { return "\((n / 1_048_576 * 10).rounded() / 10) MiB" }
        return "\((n / 1_073_741_824 * 10).rounded() / 10) GiB"
    }
}

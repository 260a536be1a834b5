import ColdChain
import Testing
import TestSupport

@Suite struct SHA256Tests {
    // FIPS 180-4 example vectors (NIST CSRC "SHA256.pdf" and the one-million-'a' test).
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func publishedVectors(input: String, digest: String) {
        #expect(SHA256.hash(input).hexString == digest)
    }

    @Test func oneMillionA() {
        var h = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { h.update(chunk) }
        #expect(h.finalize().hexString == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Splitting the input at any points must not change the digest (exercises the partial-block buffer).
    @Test func anySplitGivesTheSameDigest() {
        var rng = Seeded.forTest()
        for _ in 0..<200 {
            let n = Int.random(in: 0...300, using: &rng)
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let whole = SHA256.hash(bytes)
            var h = SHA256()
            var i = 0
            while i < n {
                let step = Int.random(in: 1...70, using: &rng)
                h.update(Array(bytes[i..<min(n, i + step)]))
                i += step
            }
            #expect(h.finalize() == whole)
        }
    }
}

import Base
import CKernels
import Checkpoint
import Testing

/// The C kernels behind the format: checksums against published vectors, the dispatched (vector)
/// paths against the scalar ones, and the float conversions against independent references.
@Suite struct KernelTests {
    @Test func crc32MatchesPublishedCheckValues() {
        #expect(Checksum.crc32(Array("123456789".utf8)) == 0xCBF4_3926)  // CRC-32/ISO-HDLC check value
        #expect(Checksum.crc32([]) == 0)
        #expect(Checksum.crc32(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test func crc32VectorPathEqualsScalarAtEveryLengthAndAlignment() {
        var rng = RandomGenerator(seed: 11)
        let data = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var mismatches = 0
        data.withUnsafeBytes { raw in
            for offset in 0..<4 {
                for n in Array(0..<300) + [1000, 4096 - offset, 4999 - offset] {
                    let p = raw.baseAddress! + offset
                    if ck_crc32(0x1234_5678, p, n) != ck_crc32_scalar(0x1234_5678, p, n) { mismatches += 1 }
                }
            }
            // Continuation: CRC(a ‖ b) from CRC(a).
            let whole = ck_crc32(0, raw.baseAddress!, 5000)
            #expect(ck_crc32(ck_crc32(0, raw.baseAddress!, 1234), raw.baseAddress! + 1234, 3766) == whole)
        }
        #expect(mismatches == 0, "dispatch level \(ck_checksum_dispatch_level())")
    }

    @Test func sha256MatchesFIPSVectors() {
        #expect(Checksum.hex(Checksum.sha256(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Checksum.hex(Checksum.sha256([]))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Checksum.hex(Checksum.sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // One million 'a', fed in uneven pieces.
        var h = Checksum.SHA256()
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 7919)
        var left = 1_000_000
        while left > 0 {
            let n = min(left, piece.count)
            h.update(Array(piece[0..<n]))
            left -= n
        }
        #expect(Checksum.hex(h.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test(arguments: [1, 2, 3, 4, 8])
    func byteShuffleFollowsTheDefinitionAndInverts(itemSize k: Int) {
        var rng = RandomGenerator(seed: UInt64(k))
        for n in [0, 1, 15, 16, 17, 64, 1000, 4099] {
            let src = (0..<n * k).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var shuffled = [UInt8](repeating: 0, count: n * k)
            var back = [UInt8](repeating: 0, count: n * k)
            ck_byte_shuffle(&shuffled, src, n, k)
            // shuffled[j*n + i] == raw[i*k + j]
            var ok = true
            for i in 0..<n { for j in 0..<k where shuffled[j * n + i] != src[i * k + j] { ok = false } }
            #expect(ok, "n=\(n) k=\(k)")
            ck_byte_unshuffle(&back, shuffled, n, k)
            #expect(back == src, "n=\(n) k=\(k)")
        }
    }

    @Test func f16WideningIsExactForAllHalves() {
        let halves = (0...UInt16.max).map { $0 }
        var fast = [Float](repeating: 0, count: halves.count)
        var scalar = [Float](repeating: 0, count: halves.count)
        ck_f16_to_f32(&fast, halves, halves.count)
        ck_f16_to_f32_scalar(&scalar, halves, halves.count)
        var mismatches = 0
        for (i, h) in halves.enumerated() {
            let reference = Float(Float16(bitPattern: h))
            if fast[i].bitPattern != scalar[i].bitPattern { mismatches += 1 }
            if reference.isNaN ? !fast[i].isNaN : reference.bitPattern != fast[i].bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    /// Float32 bit patterns: a dense stride over all 2^32 plus the edges that matter for rounding.
    static func sampledFloats() -> [Float] {
        var bits: [UInt32] = []
        var b: UInt64 = 0
        while b <= UInt64(UInt32.max) { bits.append(UInt32(b)); b += 4099 }
        for edge: UInt32 in [0x477F_E000, 0x477F_EFFF, 0x477F_F000, 0x477F_F001, 0x3880_0000, 0x387F_FFFF,
                             0x3300_0000, 0x3300_0001, 0x32FF_FFFF, 0x3380_0000, 0x7F80_0000, 0x7F80_0001,
                             0x7FC0_0000, 0x7F7F_FFFF, 0x7F7F_8000, 0x3F80_8000, 0x3F81_8000, 0x0000_0001] {
            for d: UInt32 in 0..<3 { bits.append(edge &+ d); bits.append((edge &+ d) | 0x8000_0000) }
        }
        return bits.map { Float(bitPattern: $0) }
    }

    @Test func f16NarrowingRoundsToNearestEven() {
        let xs = KernelTests.sampledFloats()
        var fast = [UInt16](repeating: 0, count: xs.count)
        var scalar = [UInt16](repeating: 0, count: xs.count)
        ck_f32_to_f16(&fast, xs, xs.count)
        ck_f32_to_f16_scalar(&scalar, xs, xs.count)
        var mismatches = 0
        for (i, x) in xs.enumerated() {
            if fast[i] != scalar[i] { mismatches += 1 }
            if x.isNaN {
                if !Float16(bitPattern: fast[i]).isNaN || fast[i] & 0x0200 == 0 { mismatches += 1 }  // quiet NaN
            } else if Float16(x).bitPattern != fast[i] {
                mismatches += 1
            }
        }
        #expect(mismatches == 0, "of \(xs.count) values")
    }

    @Test func bf16NarrowingRoundsToNearestEvenAndWidensExactly() {
        let xs = KernelTests.sampledFloats()
        var fast = [UInt16](repeating: 0, count: xs.count)
        var scalar = [UInt16](repeating: 0, count: xs.count)
        ck_f32_to_bf16(&fast, xs, xs.count)
        ck_f32_to_bf16_scalar(&scalar, xs, xs.count)
        var back = [Float](repeating: 0, count: xs.count)
        ck_bf16_to_f32(&back, fast, xs.count)
        var mismatches = 0
        for (i, x) in xs.enumerated() {
            if fast[i] != scalar[i] { mismatches += 1 }
            if back[i].bitPattern != UInt32(fast[i]) << 16 { mismatches += 1 }
            if x.isNaN {
                if !back[i].isNaN { mismatches += 1 }
            } else if referenceBF16(x).bitPattern != back[i].bitPattern {
                mismatches += 1
            }
        }
        #expect(mismatches == 0, "of \(xs.count) values")
    }
}

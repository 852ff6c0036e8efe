import Base
import Testing

@Suite struct FormatTests {
    @Test func fixedIsLocaleFreeAndRounds() {
        #expect(Format.fixed(0.1 + 0.2, 2) == "0.30")
        #expect(Format.fixed(-0.0001, 2) == "0.00")
        #expect(Format.fixed(-2.5, 0) == "-3")
        #expect(Format.fixed(1234.5678, 3) == "1234.568")
        #expect(Format.fixed(.nan, 2) == "NaN" && Format.fixed(-.infinity, 2) == "-inf")
    }

    @Test func trimmedSignificantScientific() {
        #expect(Format.trimmed(12.5, 2) == "12.5" && Format.trimmed(3, 2) == "3")
        #expect(Format.significant(0.69314) == "0.6931" && Format.significant(12345.6) == "12346")
        #expect(Format.scientific(0.000025, digits: 3) == "2.5e-5")
        #expect(Format.significant(2e-7) == "2e-7")
        #expect(Format.roundTrip(0.1) == "0.1" && Format.roundTrip(3) == "3")
    }

    @Test func groupedBytesDurations() {
        #expect(Format.grouped(54_413_955) == "54,413,955")
        #expect(Format.grouped(-12_000) == "-12,000" && Format.grouped(999) == "999" && Format.grouped(1000) == "1,000")
        #expect(Format.grouped(9999, minimumDigits: 5) == "9999" && Format.grouped(10_000, minimumDigits: 5) == "10,000")
        #expect(Format.bytes(512) == "512 B" && Format.bytes(1536) == "1.50 KiB")
        #expect(Format.bytes(56_832_819) == "54.20 MiB" && Format.bytes(1 << 31) == "2.00 GiB")
        #expect(Format.duration(65) == "01:05" && Format.duration(3725) == "1:02:05" && Format.duration(.nan) == "--:--")
        #expect(Format.shortened(String(repeating: "a", count: 1000), limit: 21).count == 21)
    }
}

@Suite struct FormatEdgeTests {
    @Test func roundingAndHugeValues() {
        #expect(Format.fixed(-1.25, 1) == "-1.3")
        #expect(Format.fixed(1234567.891, 1) == "1234567.9")
        #expect(Format.fixed(3e20, 2) == "3e20")
        #expect(Format.scientific(9.99e-5, digits: 2) == "1e-4")
        #expect(Format.trimmed(12.04, 1) == "12" && Format.trimmed(-3.26, 1) == "-3.3")
        #expect(Double(Format.roundTrip(1.0 / 3.0)) == 1.0 / 3.0)
        #expect(Format.roundTrip(-.infinity) == "-inf")
    }
}

import Foundation

/// A checkpoint in format version 1.0, written before Q8 existed (by a spec-only Python writer,
/// zstd level 3 with byte shuffle): F32 `conv.weight` [2, 3, 2] = (i − 5.5) / 8, F16 `half` =
/// [0.5, −1.25, 2^−20, 65504], BF16 `brain` = [1, −2.5, 0.15625], F32 scalar `step` = 42, F32
/// `empty` [0, 3]. Committed so that every later reader is checked against bytes it did not write.
enum LegacyFixture {
    static let version10: [UInt8] = [UInt8](Data(base64Encoded: [
        "iVBaQ0sNChoBAAAAAAAAAJADAAAAAAAAFSz6qmiNaj57ImRhdGFfbGVuZ3RoIjoyNTYsImtpbmQiOiJpbmZlcmVuY2UiLCJtZXRh",
        "ZGF0YSI6eyJ3cml0dGVuIjoiZm9ybWF0IDEuMCJ9LCJtb2RlbCI6eyJnZW5lcmF0b3IiOnsibmFtZSI6InVuZXRfNjQifX0sInBy",
        "b2R1Y2VyIjoicHpjayAxLjAgZml4dHVyZSIsInNlY3Rpb25zIjp7fSwidGVuc29ycyI6W3siY2h1bmtzIjpbeyJjcmMzMiI6MzMz",
        "NzY1NDk2Mywib2Zmc2V0IjowLCJyYXdfbGVuZ3RoIjo0OCwic3RvcmVkX2xlbmd0aCI6NDF9XSwiY29kZWMiOiJ6c3RkIiwiZHR5",
        "cGUiOiJGMzIiLCJmaWx0ZXIiOiJieXRlc2h1ZmZsZSIsIm5hbWUiOiJjb252LndlaWdodCIsInNoYXBlIjpbMiwzLDJdfSx7ImNo",
        "dW5rcyI6W3siY3JjMzIiOjIxNTYwNjk4MDUsIm9mZnNldCI6NjQsInJhd19sZW5ndGgiOjgsInN0b3JlZF9sZW5ndGgiOjE3fV0s",
        "ImNvZGVjIjoienN0ZCIsImR0eXBlIjoiRjE2IiwiZmlsdGVyIjoiYnl0ZXNodWZmbGUiLCJuYW1lIjoiaGFsZiIsInNoYXBlIjpb",
        "NF19LHsiY2h1bmtzIjpbeyJjcmMzMiI6MjU5MzI5Njk4MCwib2Zmc2V0IjoxMjgsInJhd19sZW5ndGgiOjYsInN0b3JlZF9sZW5n",
        "dGgiOjE1fV0sImNvZGVjIjoienN0ZCIsImR0eXBlIjoiQkYxNiIsImZpbHRlciI6ImJ5dGVzaHVmZmxlIiwibmFtZSI6ImJyYWlu",
        "Iiwic2hhcGUiOlszXX0seyJjaHVua3MiOlt7ImNyYzMyIjoxMzQ5MzAzNDczLCJvZmZzZXQiOjE5MiwicmF3X2xlbmd0aCI6NCwi",
        "c3RvcmVkX2xlbmd0aCI6MTN9XSwiY29kZWMiOiJ6c3RkIiwiZHR5cGUiOiJGMzIiLCJmaWx0ZXIiOiJieXRlc2h1ZmZsZSIsIm5h",
        "bWUiOiJzdGVwIiwic2hhcGUiOltdfSx7ImNodW5rcyI6W10sImNvZGVjIjoienN0ZCIsImR0eXBlIjoiRjMyIiwiZmlsdGVyIjoi",
        "Ynl0ZXNodWZmbGUiLCJuYW1lIjoiZW1wdHkiLCJzaGFwZSI6WzAsM119XX0AAAAAAAAAAAAAAAAAAAAAKLUv/SAwBQEA0AAAMBDg",
        "oECAgECg4BAwv7++vr69PT4+Pj8/AQAKwAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACi1L/0gCEEAAAAAEP84vQB7AAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAotS/9IAYxAACAICA/wD4AAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAKLUv/SAEIQAAAAAoQgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAUFpDS0VORBo=",
    ].joined())!)
}

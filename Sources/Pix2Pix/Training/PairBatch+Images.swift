import Imaging

extension PairLoaderOptions {
    func with(channelsA: Int, channelsB: Int) -> PairLoaderOptions {
        var copy = self
        copy.channelsA = channelsA
        copy.channelsB = channelsB
        return copy
    }
}

extension PairBatch {
    /// Sample `i` of A as an image.
    public func imageA(_ i: Int) throws -> Image {
        let per = height * width * channelsA
        return try a.withUnsafeBufferPointer {
            try Image(unitFloats: UnsafeBufferPointer(rebasing: $0[(i * per)..<((i + 1) * per)]), width: width, height: height, channels: channelsA)
        }
    }

    /// Sample `i` of B as an image.
    public func imageB(_ i: Int) throws -> Image {
        let per = height * width * channelsB
        return try b.withUnsafeBufferPointer {
            try Image(unitFloats: UnsafeBufferPointer(rebasing: $0[(i * per)..<((i + 1) * per)]), width: width, height: height, channels: channelsB)
        }
    }
}

extension AudioFrame {
    /// An `s16` frame holding `samples` (interleaved when stereo; a trailing partial sample frame is dropped).
    public init(s16 samples: [Int16], layout: Layout, sampleRate: Int) {
        precondition(sampleRate > 0, "AudioFrame: non-positive rate")
        let whole = samples.count - samples.count % layout.channels
        self.init(format: .s16, layout: layout, samples: whole / layout.channels, sampleRate: sampleRate)
        if whole > 0 {
            data.withUnsafeMutableBytes { bytes in
                samples.withUnsafeBytes { source in
                    bytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<(whole * 2)]))
                }
            }
        }
    }

    /// A `flt` frame holding `samples` (interleaved when stereo; a trailing partial sample frame is dropped).
    public init(flt samples: [Float], layout: Layout, sampleRate: Int) {
        precondition(sampleRate > 0, "AudioFrame: non-positive rate")
        let whole = samples.count - samples.count % layout.channels
        self.init(format: .flt, layout: layout, samples: whole / layout.channels, sampleRate: sampleRate)
        if whole > 0 {
            data.withUnsafeMutableBytes { bytes in
                samples.withUnsafeBytes { source in
                    bytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<(whole * 4)]))
                }
            }
        }
    }

    /// The samples as 16-bit integers, interleaved; `flt` frames are scaled by 32768, rounded and clipped.
    public var s16Samples: [Int16] {
        let count = min(samples * channels, data.count / format.bytesPerSample)
        switch format {
        case .s16:
            return [Int16](unsafeUninitializedCapacity: count) { buffer, initialized in
                data.withUnsafeBytes { bytes in
                    let used = UnsafeRawBufferPointer(rebasing: bytes[0..<(count * 2)])
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: used)
                }
                initialized = count
            }
        case .flt:
            return data.withUnsafeBytes { bytes in
                (0..<count).map { index in
                    Self.toInt16(bytes.loadUnaligned(fromByteOffset: index * 4, as: Float.self))
                }
            }
        }
    }

    /// The samples as floats in −1 … 1, interleaved; `s16` frames are divided by 32768.
    public var fltSamples: [Float] {
        let count = min(samples * channels, data.count / format.bytesPerSample)
        switch format {
        case .flt:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                data.withUnsafeBytes { bytes in
                    let used = UnsafeRawBufferPointer(rebasing: bytes[0..<(count * 4)])
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: used)
                }
                initialized = count
            }
        case .s16:
            return data.withUnsafeBytes { bytes in
                (0..<count).map { index in
                    Float(bytes.loadUnaligned(fromByteOffset: index * 2, as: Int16.self)) / 32768
                }
            }
        }
    }

    /// This frame in another sample format (same layout and rate; timing kept).
    public func converted(to format: Format) -> AudioFrame {
        guard format != self.format else { return self }
        var frame = switch format {
        case .s16: AudioFrame(s16: s16Samples, layout: layout, sampleRate: sampleRate)
        case .flt: AudioFrame(flt: fltSamples, layout: layout, sampleRate: sampleRate)
        }
        frame.pts = pts
        frame.timeBase = timeBase
        return frame
    }

    /// A float sample to 16 bits: scaled by 32768 (the inverse of `fltSamples`), rounded, clipped; NaN is 0.
    @inline(__always)
    static func toInt16(_ value: Float) -> Int16 {
        let scaled = (value * 32768).rounded()
        if scaled >= 32767 { return .max }
        if scaled <= -32768 { return .min }
        if scaled.isNaN { return 0 }
        return Int16(scaled)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A streaming sample-rate converter for interleaved float audio, any rate to any rate: a Kaiser-windowed sinc
/// interpolator evaluated in polyphase form.
///
/// The ratio is kept exact as a reduced fraction `outputRate/inputRate = L/M`, so output sample `k` lies exactly at
/// input time `k·M/L` and long streams do not drift. The filter's cut-off sits at 92 % of the lower of the two
/// Nyquist frequencies (no aliasing when downsampling, no images when upsampling) with 16 zero crossings each side
/// and a Kaiser window of β = 8.6 (stop band below about −80 dB). Up to 1024 phases are tabulated exactly; ratios
/// with a larger `L` interpolate linearly between 1024 tabulated phases.
///
/// Output is aligned with input (no group delay): the filter looks `halfLength` input samples ahead, so each call
/// returns what the input so far determines and `flush()` returns the rest.
public struct SincResampler: Sendable {
    public let inputRate: Int
    public let outputRate: Int
    public let channels: Int

    /// Upsampling factor L and downsampling factor M of the reduced ratio.
    private let up: Int
    private let down: Int
    /// Taps per output sample (even), and half of it.
    private let taps: Int
    private var halfTaps: Int { taps / 2 }
    /// `phases + 1` rows of `taps` coefficients; row `p` is the kernel at fractional delay `p / phases`.
    private let table: [Float]
    private let phases: Int

    /// Input not yet consumed, interleaved; `buffer[0]` is the absolute input sample frame `bufferStart`
    /// (absolute index 0 is the first of `halfTaps` zero frames standing in for the time before the stream).
    private var buffer: [Float]
    private var bufferStart = 0
    /// The next output sample's position: input frame `position` plus `phase / up`.
    private var position: Int
    private var phase = 0

    /// Input samples of look-ahead (the latency of this converter, at the input rate).
    public var halfLength: Int { halfTaps }

    /// - Precondition: both rates positive, `channels` at least 1.
    public init(inputRate: Int, outputRate: Int, channels: Int) {
        precondition(inputRate > 0 && outputRate > 0 && channels > 0, "SincResampler: bad rates or channels")
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.channels = channels
        let divisor = Self.gcd(inputRate, outputRate)
        up = outputRate / divisor
        down = inputRate / divisor

        // Cut-off in cycles per input sample (input Nyquist is 0.5).
        let cutoff = 0.5 * min(1.0, Double(outputRate) / Double(inputRate)) * 0.92
        let zeroCrossings = 16.0
        let halfWidth = zeroCrossings / (2 * cutoff)
        let half = Int(halfWidth.rounded(.up))
        taps = up == down ? 2 : 2 * half
        phases = up == down ? 1 : min(up, 1024)
        var table = [Float](repeating: 0, count: (phases + 1) * taps)
        if up != down {
            let beta = 8.6
            let normaliser = Self.besselI0(beta)
            for row in 0...phases {
                let fraction = Double(row) / Double(phases)
                var sum = 0.0
                var coefficients = [Double](repeating: 0, count: taps)
                for index in 0..<taps {
                    // Tap `index` multiplies input frame n + index - half + 1 for an output at n + fraction.
                    let t = Double(index - half + 1) - fraction
                    let x = t / halfWidth
                    guard abs(x) < 1 else { continue }
                    let argument = 2 * cutoff * t
                    let sinc = argument == 0 ? 1 : sin(Double.pi * argument) / (Double.pi * argument)
                    let window = Self.besselI0(beta * (1 - x * x).squareRoot()) / normaliser
                    coefficients[index] = 2 * cutoff * sinc * window
                    sum += coefficients[index]
                }
                // Each phase passes DC at exactly unity gain.
                for index in 0..<taps {
                    table[row * taps + index] = Float(sum != 0 ? coefficients[index] / sum : 0)
                }
            }
        } else {
            table[taps / 2 - 1] = 1
            table[taps + taps / 2 - 1] = 1
        }
        self.table = table
        let lead = taps / 2
        buffer = [Float](repeating: 0, count: lead * channels)
        position = lead
    }

    /// Converts the next block of interleaved input (a partial trailing sample frame is ignored) and returns the
    /// output it determines, interleaved.
    public mutating func process(_ input: [Float]) -> [Float] {
        if up == down { return Array(input.prefix(input.count - input.count % channels)) }
        buffer.append(contentsOf: input.prefix(input.count - input.count % channels))
        return produce()
    }

    /// Ends the stream: feeds silence through the look-ahead and returns the remaining output.
    public mutating func flush() -> [Float] {
        if up == down { return [] }
        // Enough zeros that every output before the end of the real input can be computed.
        let end = bufferStart + buffer.count / channels
        buffer.append(contentsOf: [Float](repeating: 0, count: taps * channels))
        let output = produce(limit: end)
        reset()
        return output
    }

    /// Forgets all input, as for a new stream.
    public mutating func reset() {
        let lead = taps / 2
        buffer = [Float](repeating: 0, count: lead * channels)
        bufferStart = 0
        position = lead
        phase = 0
    }

    /// Computes every output whose window lies inside the buffer (and, with `limit`, whose position is before it).
    private mutating func produce(limit: Int? = nil) -> [Float] {
        let available = bufferStart + buffer.count / channels
        var output: [Float] = []
        let estimate = max(0, (available - position - halfTaps) * up / down + 1)
        output.reserveCapacity(estimate * channels)
        var coefficients = [Float](repeating: 0, count: taps)
        let channels = self.channels
        let taps = self.taps
        let halfTaps = self.halfTaps
        table.withUnsafeBufferPointer { table in
            buffer.withUnsafeBufferPointer { input in
                coefficients.withUnsafeMutableBufferPointer { coefficients in
                    var sums = [Float](repeating: 0, count: channels)
                    while position + halfTaps < available, limit.map({ position < $0 }) ?? true {
                        // Interpolate this output's kernel between the two nearest tabulated phases.
                        let scaled = phase * phases
                        let row = scaled / up
                        let weight = Float(scaled % up) / Float(up)
                        let base0 = row * taps
                        if weight == 0 {
                            for index in 0..<taps { coefficients[index] = table[base0 + index] }
                        } else {
                            let base1 = base0 + taps
                            for index in 0..<taps {
                                let a = table[base0 + index]
                                coefficients[index] = a + weight * (table[base1 + index] - a)
                            }
                        }
                        let first = (position - halfTaps + 1 - bufferStart) * channels
                        for channel in 0..<channels { sums[channel] = 0 }
                        for index in 0..<taps {
                            let c = coefficients[index]
                            let offset = first + index * channels
                            for channel in 0..<channels { sums[channel] += c * input[offset + channel] }
                        }
                        output.append(contentsOf: sums)
                        phase += down
                        position += phase / up
                        phase %= up
                    }
                }
            }
        }
        // Drop input no later output can reach.
        let keepFrom = position - halfTaps + 1
        if keepFrom > bufferStart {
            let drop = min(keepFrom - bufferStart, buffer.count / channels)
            buffer.removeFirst(drop * channels)
            bufferStart += drop
        }
        return output
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    /// The modified Bessel function of the first kind, order 0, by its power series.
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0
        var term = 1.0
        let quarter = x * x / 4
        for k in 1..<64 {
            term *= quarter / Double(k * k)
            sum += term
            if term < sum * 1e-17 { break }
        }
        return sum
    }
}

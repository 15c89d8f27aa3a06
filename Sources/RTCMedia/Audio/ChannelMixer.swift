/// Mono ↔ stereo for interleaved float samples: mono is copied to both channels; stereo is averaged (−6 dB per
/// channel, so full-scale material on both channels cannot clip).
public enum ChannelMixer {
    /// `input` with `from` channels as `to` channels (1 or 2 each); other counts return the input unchanged.
    public static func mix(_ input: [Float], from: Int, to: Int) -> [Float] {
        switch (from, to) {
        case (1, 2):
            var output = [Float](repeating: 0, count: input.count * 2)
            for (index, sample) in input.enumerated() {
                output[2 * index] = sample
                output[2 * index + 1] = sample
            }
            return output
        case (2, 1):
            let frames = input.count / 2
            var output = [Float](repeating: 0, count: frames)
            for index in 0..<frames {
                output[index] = 0.5 * (input[2 * index] + input[2 * index + 1])
            }
            return output
        default:
            return input
        }
    }
}

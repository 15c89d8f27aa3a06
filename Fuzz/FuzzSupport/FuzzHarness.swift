public import RTCWire
import CRTCFuzzDriver
#if canImport(Glibc)
import Glibc
#endif


/// What a fuzz check made of one input.
public enum FuzzOutcome: Equatable, Sendable {
    /// The parser accepted the input and every round-trip invariant held.
    case accepted
    /// The parser refused the input with a typed error (the expected answer to garbage).
    case rejected(WireError)
    /// The parser accepted the input but an invariant broke (e.g. parse → serialize → parse differs). A bug.
    case invariantBroken(String)
}

/// Drives one fuzz check either from libFuzzer or from files named on the command line (replay mode).
public enum FuzzHarness {
    /// The signature of libFuzzer's per-input callback.
    public typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// The `main` of a fuzz binary: libFuzzer when built with `-DFUZZING -sanitize=fuzzer`, otherwise replay of
    /// the files and directories named on the command line.
    public static func main(callback: Callback, check: ([UInt8]) -> FuzzOutcome) -> Never {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
        #else
        exit(replay(arguments: Array(CommandLine.arguments.dropFirst()), check) == 0 ? 0 : 1)
        #endif
    }

    /// libFuzzer's per-input work: any broken invariant is a crash, so libFuzzer saves the input.
    public static func run(_ data: UnsafePointer<UInt8>?, _ size: Int, _ check: ([UInt8]) -> FuzzOutcome) -> CInt {
        let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
        if case .invariantBroken(let why) = check(bytes) {
            fatalError("fuzz invariant broken: \(why)")
        }
        return 0
    }

    /// Replay mode: runs the check over every file (or every file in every directory) named in `arguments`,
    /// prints a summary and returns the number of broken invariants.
    public static func replay(arguments: [String], _ check: ([UInt8]) -> FuzzOutcome) -> Int {
        var accepted = 0, rejected = 0, broken = 0
        for path in FuzzCorpus.files(in: arguments) {
            switch check(FuzzCorpus.read(path)) {
            case .accepted: accepted += 1
            case .rejected: rejected += 1
            case .invariantBroken(let why):
                broken += 1
                print("BROKEN \(path): \(why)")
            }
        }
        print("\(accepted) accepted, \(rejected) rejected, \(broken) broken")
        return broken
    }
}

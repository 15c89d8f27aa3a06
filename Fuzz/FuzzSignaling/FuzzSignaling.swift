import FuzzStackSupport
import FuzzSupport

/// libFuzzer target for the signaling JSON (`SignalingMessage`, scripts/fuzz); built without -DFUZZING, a corpus
/// replay tool.
@main
enum FuzzSignaling {
    static func main() {
        FuzzHarness.main(callback: fuzzOneInput, check: FuzzChecks.signaling)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(data, size, FuzzChecks.signaling)
}

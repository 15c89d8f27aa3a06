import FuzzSupport

/// libFuzzer target for the SDP parser (scripts/fuzz); built without -DFUZZING, a corpus replay tool.
@main
enum FuzzSDP {
    static func main() {
        FuzzHarness.main(callback: fuzzOneInput, check: FuzzChecks.sdp)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(data, size, FuzzChecks.sdp)
}

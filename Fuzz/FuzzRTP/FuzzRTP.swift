import FuzzSupport

/// libFuzzer target for the RTP parser (scripts/fuzz); built without -DFUZZING, a corpus replay tool.
@main
enum FuzzRTP {
    static func main() {
        FuzzHarness.main(callback: fuzzOneInput, check: FuzzChecks.rtp)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(data, size, FuzzChecks.rtp)
}

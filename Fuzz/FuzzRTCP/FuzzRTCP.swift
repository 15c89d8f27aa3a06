import FuzzSupport

/// libFuzzer target for the RTCP parser (scripts/fuzz); built without -DFUZZING, a corpus replay tool.
@main
enum FuzzRTCP {
    static func main() {
        FuzzHarness.main(callback: fuzzOneInput, check: FuzzChecks.rtcp)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(data, size, FuzzChecks.rtcp)
}

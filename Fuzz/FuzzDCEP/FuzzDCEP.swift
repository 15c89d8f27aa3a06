import FuzzSupport

/// libFuzzer target for the DCEP parser (scripts/fuzz); built without -DFUZZING, a corpus replay tool.
@main
enum FuzzDCEP {
    static func main() {
        FuzzHarness.main(callback: fuzzOneInput, check: FuzzChecks.dcep)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(data, size, FuzzChecks.dcep)
}

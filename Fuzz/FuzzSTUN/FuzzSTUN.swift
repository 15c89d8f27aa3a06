import FuzzSupport

/// libFuzzer target for the STUN parser (scripts/fuzz); built without -DFUZZING, a corpus replay tool.
@main
enum FuzzSTUN {
    static func main() {
        FuzzHarness.main(callback: fuzzOneInput, check: FuzzChecks.stun)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(data, size, FuzzChecks.stun)
}

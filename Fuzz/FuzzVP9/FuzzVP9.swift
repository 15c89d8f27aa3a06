import FuzzSupport

/// libFuzzer target for the VP9 payload descriptor, payloader and depayloader (scripts/fuzz); built without
/// -DFUZZING, a corpus replay tool.
@main
enum FuzzVP9 {
    static func main() {
        FuzzHarness.main(callback: fuzzOneInput, check: FuzzChecks.vp9)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(data, size, FuzzChecks.vp9)
}

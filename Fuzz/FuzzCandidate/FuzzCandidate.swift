import FuzzSupport

/// libFuzzer target for the Candidate parser (scripts/fuzz); built without -DFUZZING, a corpus replay tool.
@main
enum FuzzCandidate {
    static func main() {
        FuzzHarness.main(callback: fuzzOneInput, check: FuzzChecks.candidate)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(data, size, FuzzChecks.candidate)
}

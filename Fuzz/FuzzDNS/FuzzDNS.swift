import FuzzSupport

/// libFuzzer target for the DNS message parser (scripts/fuzz); built without -DFUZZING, a corpus replay tool.
@main
enum FuzzDNS {
    static func main() {
        FuzzHarness.main(callback: fuzzOneInput, check: FuzzChecks.dns)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(data, size, FuzzChecks.dns)
}

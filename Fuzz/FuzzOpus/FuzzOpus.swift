import FuzzSupport

/// libFuzzer target for Opus packet framing (RFC 6716 §3, OpusPacket) (scripts/fuzz); built
/// without -DFUZZING, a corpus replay tool.
@main
enum FuzzOpus {
    static func main() {
        FuzzHarness.main(callback: fuzzOneInput, check: FuzzChecks.opus)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(data, size, FuzzChecks.opus)
}

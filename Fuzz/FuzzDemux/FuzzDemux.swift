import FuzzSupport

/// libFuzzer target for the RFC 7983 demultiplexer and the STUN / RTP / RTCP parsers behind it (scripts/fuzz); built
/// without -DFUZZING, a corpus replay tool.
@main
enum FuzzDemux {
    static func main() {
        FuzzHarness.main(callback: fuzzOneInput, check: FuzzChecks.demux)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(data, size, FuzzChecks.demux)
}

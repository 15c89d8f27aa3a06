import FuzzStackSupport
import FuzzSupport

/// libFuzzer target for usrsctp behind `SCTPPacketFilter` (scripts/fuzz): packets into a live in-memory
/// association. Built without -DFUZZING, a corpus replay tool.
@main
enum FuzzSCTP {
    static func main() {
        FuzzHarness.main(callback: fuzzOneInput, check: FuzzChecks.sctp)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(data, size, FuzzChecks.sctp)
}

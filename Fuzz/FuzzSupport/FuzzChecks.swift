/// One check per RTCWire parser, shared by the libFuzzer binaries and the corpus replay in the test suite.
/// Each parses hostile bytes; a typed error is the right answer to garbage, a trap is a bug, and whatever parses
/// must serialize and parse back to an equal value.
public enum FuzzChecks {}

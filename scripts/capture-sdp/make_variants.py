#!/usr/bin/env python3
"""Derives the `_invalid` and `_truncated` fixtures from the captured SDPs and writes variants.txt, one line per
variant: `<file> <expected WireError code> <expected line number>`. Re-run after run.sh."""
import pathlib
import sys

DIR = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "Tests/RTCWireTests/Fixtures/SDP")
expectations = []


def lines_of(name):
    return (DIR / f"{name}.sdp").read_bytes().split(b"\r\n")


def write(name, lines, code, at):
    (DIR / f"{name}.sdp").write_bytes(b"\r\n".join(lines))
    expectations.append(f"{name}.sdp {code} {at}")


def first(lines, prefix):
    return next(i for i, line in enumerate(lines) if line.startswith(prefix))


# Truncated: the capture stops in the middle of a candidate line (fewer than 8 fields).
lines = lines_of("chromium_av_data_offer")
i = first(lines, b"a=candidate:")
write("chromium_av_data_offer_truncated", lines[:i] + [lines[i][:40]], "truncated", i + 1)

# Truncated: only v= and o= arrived.
lines = lines_of("aiortc_av_data_offer")
write("aiortc_av_data_offer_truncated", lines[:2], "truncated", 3)

# Truncated: cut inside the fingerprint's hex (an odd digit left).
lines = lines_of("chromium_data_answer")
i = first(lines, b"a=fingerprint:")
write("chromium_data_answer_truncated", lines[:i] + [lines[i][:len(b"a=fingerprint:sha-256 8D:7")]], "malformed", i + 1)

# Truncated: cut in the middle of the m= line (no proto).
lines = lines_of("aiortc_data_answer")
i = first(lines, b"m=")
write("aiortc_data_answer_truncated", lines[:i] + [b"m=application 9"], "malformed", i + 1)

# Invalid: rtpmap without a clock rate.
lines = lines_of("chromium_av_data_offer")
i = first(lines, b"a=rtpmap:111 ")
lines[i] = b"a=rtpmap:111 opus"
write("chromium_av_data_offer_invalid", lines, "malformed", i + 1)

# Invalid: port out of range.
lines = lines_of("aiortc_av_data_answer")
i = first(lines, b"m=audio ")
fields = lines[i].split(b" ")
lines[i] = b" ".join([fields[0], b"99999"] + fields[2:])
write("aiortc_av_data_answer_invalid", lines, "malformed", i + 1)

# Invalid: unknown DTLS role.
lines = lines_of("chromium_data_offer")
i = first(lines, b"a=setup:")
lines[i] = b"a=setup:bogus"
write("chromium_data_offer_invalid", lines, "malformed", i + 1)

# Invalid: c= after a= in a media section (RFC 8866 §5 order).
lines = lines_of("aiortc_data_offer")
i = first(lines, b"c=")
lines[i], lines[i + 1] = lines[i + 1], lines[i]
write("aiortc_data_offer_invalid", lines, "malformed", i + 2)

# Invalid: rid direction neither send nor recv.
lines = lines_of("chromium_simulcast_offer")
i = first(lines, b"a=rid:hi ")
lines[i] = b"a=rid:hi both"
write("chromium_simulcast_offer_invalid", lines, "malformed", i + 1)

# Invalid: v=1.
lines = lines_of("chromium_data_answer")
lines[0] = b"v=1"
write("chromium_data_answer_invalid", lines, "unsupported", 1)

# Invalid: a line without "x=".
lines = lines_of("aiortc_data_answer")
i = first(lines, b"a=mid:")
lines[i] = b"mid:0"
write("aiortc_data_answer_invalid", lines, "malformed", i + 1)

(DIR / "variants.txt").write_text("".join(e + "\n" for e in expectations))

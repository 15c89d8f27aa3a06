#!/usr/bin/env python3
"""Hand-made seeds for FuzzSignaling (Fuzz/Corpus/Signaling): aiortc-style signaling messages (offers, answers,
trickled candidates, bye) and near misses (wrong types, missing fields, broken JSON, odd numbers and escapes).
Deterministic; files are named by their SHA-1, as libFuzzer names corpus files. Usage: Fuzz/Seeds/signaling.py"""
import json
import os
import random

from corpus import write_corpus

OUT = os.path.join(os.path.dirname(__file__), "..", "Corpus", "Signaling")
rng = random.Random(7)

SDP_DATA = (
    "v=0\r\no=- 3912345678 3912345678 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
    "a=msid-semantic:WMS *\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
    "a=mid:0\r\na=sctp-port:5000\r\na=max-message-size:65536\r\n"
    "a=candidate:1 1 udp 2130706431 192.168.1.5 50000 typ host\r\na=end-of-candidates\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijklmn\r\n"
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32) + "\r\na=setup:actpass\r\n"
)
SDP_AUDIO = (
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 0 8\r\n"
    "c=IN IP4 0.0.0.0\r\na=sendrecv\r\na=mid:0\r\na=msid:stream track\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=rtcp-mux\r\n"
    "a=ssrc:1234 cname:x\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
    "a=ice-ufrag:u\r\na=ice-pwd:pppppppppppppppppppppp\r\na=fingerprint:sha-256 " + ":".join(["01"] * 32) +
    "\r\na=setup:active\r\n"
)
SDPS = [SDP_DATA, SDP_AUDIO, "", "v=0\r\n", SDP_DATA.replace("\r\n", "\n"), "garbage", SDP_DATA[:200]]

CANDIDATES = [
    "candidate:1 1 udp 2130706431 192.168.1.5 50000 typ host",
    "candidate:2 1 UDP 1694498815 203.0.113.7 61000 typ srflx raddr 192.168.1.5 rport 50000",
    "candidate:3 1 udp 16777215 198.51.100.1 3478 typ relay raddr 203.0.113.7 rport 61000",
    "candidate:4 1 tcp 1518280447 192.168.1.5 9 typ host tcptype active",
    "candidate:5 1 tcp 1518280447 192.168.1.5 50001 typ host tcptype passive",
    "candidate:6 1 udp 2122262783 2001:db8::1 50002 typ host",
    "candidate:7 1 udp 2113937151 6f1c3e1a-1111-2222-3333-444455556666.local 50003 typ host generation 0",
    "candidate:8 1 udp 1845501695 203.0.113.9 50004 typ prflx raddr 0.0.0.0 rport 0",
    "1 1 udp 2130706431 10.0.0.1 1 typ host",
    "candidate:abc 2 udp 1 10.0.0.1 65535 typ host ufrag x network-id 1 network-cost 10",
    "candidate:1 1 udp 4294967295 10.0.0.1 0 typ host",
    "candidate:1 1 udp 2130706431 10.0.0.1 70000 typ host",
    "candidate:1 0 udp 2130706431 10.0.0.1 1 typ host",
    "candidate:1 1 udp -1 10.0.0.1 1 typ host",
    "candidate:1 1 udp 2130706431 10.0.0.1 1 typ bogus",
    "candidate:1 1 udp 2130706431 10.0.0.1 1",
    "candidate:",
    "candidate",
    "a=candidate:1 1 udp 2130706431 10.0.0.1 1 typ host",
]
MIDS = ["0", "1", "audio", "", "\u00e9\u00e8", None, 0, 1.5, True, [], {}]
LABELS = [0, 1, 2, -1, 65535, 2 ** 31, 2 ** 63, -(2 ** 63), 1e30, -1e30, 1.5, 0.0, 1e-300, None, "0", True, [], {}]
TYPES = ["offer", "answer", "pranswer", "rollback", "candidate", "bye", "Offer", "", "unknown", None, 1, [], {}]

messages = []
for sdp in SDPS:
    for t in ["offer", "answer", "pranswer", "rollback"]:
        messages.append({"sdp": sdp, "type": t})
for c in CANDIDATES:
    for mid in MIDS[:6]:
        for label in LABELS[:6]:
            messages.append({"candidate": c, "id": mid, "label": label, "type": "candidate"})
for mid in MIDS:
    messages.append({"candidate": CANDIDATES[0], "id": mid, "label": 0, "type": "candidate"})
for label in LABELS:
    messages.append({"candidate": CANDIDATES[0], "id": "0", "label": label, "type": "candidate"})
for t in TYPES:
    messages.append({"type": t})
    messages.append({"type": t, "sdp": SDP_DATA})
    messages.append({"type": t, "candidate": CANDIDATES[1], "id": "0", "label": 0})
messages += [
    {"type": "bye"}, {"type": "bye", "extra": 1}, {"type": "candidate", "candidate": ""},
    {"type": "candidate", "candidate": "", "id": None, "label": None}, {"type": "candidate"},
    {"type": "offer"}, {"type": "answer", "sdp": None}, {"type": "answer", "sdp": 5}, {"sdp": SDP_DATA},
    {"type": "candidate", "candidate": None}, {"type": "candidate", "candidate": 5},
    [], [{"type": "bye"}], "bye", 1, None, True, {},
]

texts = []
for m in messages:
    texts.append(json.dumps(m))
    texts.append(json.dumps(m, sort_keys=True, separators=(",", ":")))
    texts.append(json.dumps(m, ensure_ascii=False, indent=1))
# Raw texts json.dumps cannot make: broken JSON, escapes, odd numbers, deep nesting, BOMs, non-UTF-8 bytes.
raw = [
    b"", b"{", b"}", b"{}", b"[]", b"null", b"{\"type\":\"bye\"", b"{\"type\":\"bye\"}}", b"{\"type\":\"bye\",}",
    b"{\"type\":\"b\\u0079e\"}", b"{\"type\":\"bye\\u0000\"}", b"{\"type\":\"\\ud800\"}", b"{\"type\":\"\\udc00\\ud800\"}",
    b"{\"type\":'bye'}", b"{type:\"bye\"}", b"\xef\xbb\xbf{\"type\":\"bye\"}", b"{\"type\":\"bye\"}\n",
    b"{\"type\":\"bye\"} {\"type\":\"bye\"}", b"\xff\xfe{", b"{\"type\":\"\xff\"}", b"{\"type\":\"bye\",\"type\":\"offer\"}",
    b"{\"candidate\":\"candidate:1 1 udp 1 1.2.3.4 5 typ host\",\"id\":\"0\",\"label\":1e400,\"type\":\"candidate\"}",
    b"{\"candidate\":\"candidate:1 1 udp 1 1.2.3.4 5 typ host\",\"id\":\"0\",\"label\":-0,\"type\":\"candidate\"}",
    b"{\"candidate\":\"candidate:1 1 udp 1 1.2.3.4 5 typ host\",\"id\":\"0\",\"label\":9223372036854775808,\"type\":\"candidate\"}",
    b"{\"candidate\":\"candidate:1 1 udp 1 1.2.3.4 5 typ host\",\"id\":\"0\",\"label\":18446744073709551616,\"type\":\"candidate\"}",
    b"{\"candidate\":\"candidate:1 1 udp 1 1.2.3.4 5 typ host\",\"id\":\"0\",\"label\":1.0e1,\"type\":\"candidate\"}",
    b"{\"candidate\":\"candidate:1 1 udp 1 1.2.3.4 5 typ host\",\"id\":\"0\",\"label\":NaN,\"type\":\"candidate\"}",
    b"{\"sdp\":\"v=0\\r\\n\",\"type\":\"offer\"}", b"{\"sdp\":\"\\\\\",\"type\":\"offer\"}",
    b"[" * 600 + b"]" * 600, b"{\"a\":" * 600 + b"1" + b"}" * 600, b"[" * 5000,
    b"{\"type\":\"bye\",\"x\":" + b"[" * 300 + b"]" * 300 + b"}",
    b"{\"type\":\"offer\",\"sdp\":\"" + b"\\u00e9" * 500 + b"\"}",
    b"{\"type\":\"offer\",\"sdp\":\"" + b"a" * 3000 + b"\"}",
    b"   {\"type\"  :  \"bye\"  }   ", b"\t{\"type\":\"bye\"}\r\n", b"1e999", b"-", b"\"\\", b"{\"\":\"\"}",
]
for t in texts:
    raw.append(t.encode("utf-8"))
# Mutations of valid messages: truncation, byte flips, insertions.
valid = [t.encode("utf-8") for t in texts[:300]]
for _ in range(500):
    b = bytearray(rng.choice(valid))
    op = rng.randrange(4)
    if op == 0 and len(b) > 1:
        b = b[: rng.randrange(1, len(b))]
    elif op == 1 and b:
        b[rng.randrange(len(b))] = rng.randrange(256)
    elif op == 2:
        b.insert(rng.randrange(len(b) + 1), rng.choice(b"{}[],:\"\\0123456789eE.-+ \x00\xc3\xff"))
    elif b:
        del b[rng.randrange(len(b))]
    raw.append(bytes(b))

write_corpus(OUT, raw)

#!/usr/bin/env python3
"""Hand-made seeds for FuzzSCTP (Fuzz/Corpus/SCTP): SCTP packets (RFC 9260 and the extensions WebRTC uses:
PR-SCTP FORWARD TSN, RE-CONFIG, I-DATA) wrapped in the records FuzzChecks.sctp reads —
`flags | length (2 bytes, big endian) | packet` — mostly aimed at the live association (its verification tag and
ports written in, TSNs relative to its initial TSNs), some deliberately malformed so the filter has work.
Deterministic; files are named by their SHA-1, as libFuzzer names corpus files. Usage: Fuzz/Seeds/sctp.py"""
import os
import random
import struct

from corpus import write_corpus

OUT = os.path.join(os.path.dirname(__file__), "..", "Corpus", "SCTP")
rng = random.Random(11)

SET_TAG, SET_PORTS, KEEP_CRC, EXCHANGE, RELATIVE = 0x01, 0x02, 0x04, 0x08, 0x10
LIVE = SET_TAG | SET_PORTS | EXCHANGE | RELATIVE


def pad(b):
    return b + b"\0" * (-len(b) % 4)


def tlv(t, value):
    return pad(struct.pack("!HH", t, 4 + len(value)) + value)


def chunk(t, flags, value, pad_last=True):
    c = struct.pack("!BBH", t, flags, 4 + len(value)) + value
    return pad(c) if pad_last else c


def packet(*chunks, tag=0):
    return struct.pack("!HHII", 5000, 5000, tag, 0) + b"".join(chunks)


def record(flags, pkt):
    return struct.pack("!BH", flags, len(pkt)) + pkt


# --- chunks -------------------------------------------------------------------------------------------------
def data(tsn=0, stream=0, ssn=0, ppid=51, payload=b"hello", flags=0x03):
    return chunk(0, flags, struct.pack("!IHHI", tsn, stream, ssn, ppid) + payload)


def idata(tsn=0, stream=0, mid=0, ppid_or_fsn=51, payload=b"x", flags=0x03):
    return chunk(64, flags, struct.pack("!IHHII", tsn, stream, 0, mid, ppid_or_fsn) + payload)


def sack(cum=0, rwnd=1 << 20, gaps=(), dups=()):
    v = struct.pack("!IIHH", cum, rwnd, len(gaps), len(dups))
    v += b"".join(struct.pack("!HH", s, e) for s, e in gaps) + b"".join(struct.pack("!I", d) for d in dups)
    return chunk(3, 0, v)


def nrsack(cum=0, gaps=(), nrgaps=(), dups=()):
    v = struct.pack("!IIHHHH", cum, 1 << 20, len(gaps), len(nrgaps), len(dups), 0)
    v += b"".join(struct.pack("!HH", s, e) for s, e in list(gaps) + list(nrgaps))
    v += b"".join(struct.pack("!I", d) for d in dups)
    return chunk(16, 0, v)


INIT_PARAMS = [
    tlv(0x8008, bytes([0x82, 0xC0, 0xC1, 0x80])),  # supported extensions: RE-CONFIG, FORWARD TSN, ASCONF(-ACK)
    tlv(0xC000, b""),  # forward TSN supported
    tlv(0x8000, b""),  # ECN capable
    tlv(5, bytes([10, 0, 0, 1])),  # IPv4 address
    tlv(6, bytes(16)),  # IPv6 address
    tlv(9, struct.pack("!I", 1000)),  # cookie preservative
    tlv(11, b"host.example\0"),  # host name address
    tlv(12, struct.pack("!HH", 5, 6)),  # supported address types
    tlv(0xC006, struct.pack("!I", 1)),  # adaptation layer indication
    tlv(0x8002, bytes(32)),  # random
    tlv(0x8003, bytes([0, 3])),  # chunk list
    tlv(0x8004, struct.pack("!H", 1)),  # HMAC algorithms
    tlv(0x8005, bytes(8)),  # padding
    tlv(0xFFFF, b"\1\2\3"),  # unknown, skip and report
    tlv(0x3FFF, b"\1"),  # unknown, stop
    tlv(0x7FFF, b"\1"),
    tlv(0xBFFF, b"\1"),
]


def init(t=1, tag=0x11223344, rwnd=1 << 20, os_=1024, mis=1024, tsn=1, params=(), stray=b""):
    return chunk(t, 0, struct.pack("!IIHHI", tag, rwnd, os_, mis, tsn) + b"".join(params) + stray)


def init_ack(params=(), **kw):
    return init(t=2, params=(tlv(7, bytes(rng.randrange(256) for _ in range(24))),) + tuple(params), **kw)


def heartbeat(info=b"\1\2\3\4\5\6\7\x08", t=4):
    return chunk(t, 0, tlv(1, info))


def abort(causes=b"", t_bit=0):
    return chunk(6, t_bit, causes)


def cause(code, value=b""):
    return tlv(code, value)


CAUSES = [
    cause(1, struct.pack("!HH", 7, 0)), cause(2, struct.pack("!IH", 1, 5)), cause(3, struct.pack("!I", 1000)),
    cause(4), cause(5, tlv(5, bytes(4))), cause(6, chunk(0x3F, 0, b"")), cause(7), cause(8, tlv(0xFFFF, b"")),
    cause(9, struct.pack("!I", 1)), cause(10), cause(11, tlv(5, bytes(4))), cause(12, b"bye"), cause(13, b"why"),
    cause(0xFFFF, b"?"),
]


def reconfig(*params):
    return chunk(130, 0, b"".join(params))


def out_reset(req=1, resp=0, last_tsn=0, streams=(1,)):
    return tlv(13, struct.pack("!III", req, resp, last_tsn) + b"".join(struct.pack("!H", s) for s in streams))


def in_reset(req=1, streams=(1,)):
    return tlv(14, struct.pack("!I", req) + b"".join(struct.pack("!H", s) for s in streams))


def tsn_reset(req=1):
    return tlv(15, struct.pack("!I", req))


def reconfig_response(resp=1, result=1, extra=b""):
    return tlv(16, struct.pack("!II", resp, result) + extra)


def add_streams(t=17, req=1, n=10):
    return tlv(t, struct.pack("!IHH", req, n, 0))


def forward_tsn(new_cum=1, pairs=()):
    return chunk(192, 0, struct.pack("!I", new_cum) + b"".join(struct.pack("!HH", s, q) for s, q in pairs))


def iforward_tsn(new_cum=1, entries=()):
    return chunk(194, 0, struct.pack("!I", new_cum) + b"".join(struct.pack("!HHI", s, f, m) for s, f, m in entries))


def shutdown(cum=0):
    return chunk(7, 0, struct.pack("!I", cum))


def asconf(t=0xC1, serial=1, params=()):
    return chunk(t, 0, struct.pack("!I", serial) + tlv(5, bytes(4)) + b"".join(params))


def auth(key=1, hmac=1, mac=bytes(20)):
    return chunk(15, 0, struct.pack("!HH", key, hmac) + mac)


# --- records ------------------------------------------------------------------------------------------------
inputs = []


def add(*recs):
    inputs.append(b"".join(recs))


live_chunks = []
for stream in (0, 1, 2, 1023, 1024, 65535):
    for tsn in (0, 1, 2, 5, 0x7FFFFFFF, 0xFFFFFFFF):
        live_chunks.append(data(tsn=tsn, stream=stream))
for flags in range(16):
    live_chunks.append(data(flags=flags, payload=b""))
    live_chunks.append(data(flags=flags, payload=bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))))
for ppid in (50, 51, 52, 53, 54, 56, 57, 0, 0xFFFFFFFF):
    live_chunks.append(data(ppid=ppid, payload=b"\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" if ppid == 50 else b"m"))
live_chunks += [idata(tsn=t, flags=f) for t in (0, 1, 9) for f in (0, 1, 2, 3, 4)]
live_chunks += [sack(cum=c, gaps=g, dups=d) for c in (0, 1, 0xFFFFFFFF) for g in ((), ((2, 3),), ((5, 1),), ((1, 65535),))
                for d in ((), (0, 1))]
live_chunks += [nrsack(cum=c, gaps=g, nrgaps=n) for c in (0, 1) for g in ((), ((2, 3),)) for n in ((), ((1, 1),))]
live_chunks += [heartbeat(), heartbeat(t=5), heartbeat(b""), chunk(4, 0, b""), chunk(4, 0, tlv(2, b"x"))]
live_chunks += [abort(c) for c in CAUSES] + [abort(b"", 1), abort(b"".join(CAUSES))]
live_chunks += [chunk(9, 0, c) for c in CAUSES]
live_chunks += [shutdown(c) for c in (0, 1, 0xFFFFFFFF)] + [chunk(8, 0, b""), chunk(14, 0, b""), chunk(14, 1, b"")]
live_chunks += [chunk(10, 0, bytes(rng.randrange(256) for _ in range(n))) for n in (0, 4, 24, 200)] + [chunk(11, 0, b"")]
live_chunks += [chunk(12, 0, struct.pack("!I", 1)), chunk(13, 0, struct.pack("!I", 1))]
live_chunks += [auth(), auth(key=0, hmac=3, mac=bytes(32)), asconf(), asconf(t=0x80)]
live_chunks += [chunk(132, 0, bytes(n)) for n in (0, 4, 100)]
for t in (0x3F, 0x7F, 0xBF, 0xFF, 0x42, 0x81, 17, 18, 65, 66):
    live_chunks.append(chunk(t, 0, b"\1\2\3\4"))
for req in (0, 1, 2, 0xFFFFFFFF):
    live_chunks += [
        reconfig(out_reset(req=req)), reconfig(out_reset(req=req, streams=())), reconfig(in_reset(req=req)),
        reconfig(tsn_reset(req)), reconfig(reconfig_response(req, req % 7)),
        reconfig(add_streams(17, req)), reconfig(add_streams(18, req, 65535)),
        reconfig(out_reset(req=req, streams=(0, 1, 2, 3, 65535)), in_reset(req=(req + 1) & 0xFFFFFFFF, streams=(1,))),
        reconfig(out_reset(req=req, resp=req, last_tsn=3)),
    ]
live_chunks += [reconfig(reconfig_response(1, r)) for r in range(8)] + [reconfig()]
live_chunks += [forward_tsn(c, p) for c in (0, 1, 2, 100, 0x80000000) for p in ((), ((0, 0),), ((1, 5), (1, 4)), ((65535, 1),))]
live_chunks += [iforward_tsn(c, e) for c in (0, 1, 3) for e in ((), ((0, 0, 0),), ((1, 1, 7),))]
live_chunks += [init(params=(p,)) for p in INIT_PARAMS] + [init_ack(params=(p,)) for p in INIT_PARAMS[:6]]

# One chunk per packet, aimed at the live association.
for c in live_chunks:
    add(record(LIVE, packet(c)))
# INITs arrive with tag 0 (RFC 9260 §8.5.1): to the established association, a restart or a collision.
for params in ([], INIT_PARAMS[:3], INIT_PARAMS, INIT_PARAMS[3:9], [INIT_PARAMS[0]] * 20):
    for tag in (0, 1, 0x11223344, 0xFFFFFFFF):
        for os_, mis in ((1024, 1024), (0, 1), (1, 0), (65535, 65535)):
            add(record(SET_PORTS | EXCHANGE, packet(init(tag=tag, os_=os_, mis=mis, params=params))))
    add(record(SET_PORTS | EXCHANGE, packet(init_ack(params=params))))
    add(record(LIVE, packet(init_ack(params=params))))
# Bundles and sequences: data then SACK, data out of order, FORWARD TSN over a gap, stream resets mid-transfer.
for _ in range(600):
    recs = []
    for _ in range(rng.randrange(1, 6)):
        bundle = [rng.choice(live_chunks) for _ in range(rng.randrange(1, 4))]
        recs.append(record(LIVE if rng.random() < 0.85 else rng.randrange(32), packet(*bundle)))
    add(*recs)
for n in range(1, 12):
    add(*[record(LIVE, packet(data(tsn=t, ssn=t, payload=bytes([t]) * 10, flags=(2 if t == 0 else 1 if t == n - 1 else 0))))
          for t in reversed(range(n))])
    add(record(LIVE, packet(data(tsn=n, flags=2))), record(LIVE, packet(forward_tsn(n + 1, ((0, 0),)))),
        record(LIVE, packet(data(tsn=n + 2))))
    add(record(LIVE, packet(data(tsn=0, stream=n))), record(LIVE, packet(reconfig(out_reset(req=n, last_tsn=0, streams=(n,))))),
        record(LIVE, packet(data(tsn=1, stream=n))))
# Malformed packets the filter must refuse (short chunks, lengths past the end, broken TLV lists), and junk.
for _ in range(250):
    c = bytearray(rng.choice(live_chunks))
    kind = rng.randrange(5)
    if kind == 0 and len(c) > 4:
        c = c[: rng.randrange(1, len(c))]
    elif kind == 1:
        struct.pack_into("!H", c, 2, rng.choice([0, 1, 2, 3, len(c) + 4, 65535]))
    elif kind == 2 and len(c) > 24:
        struct.pack_into("!H", c, rng.randrange(4, len(c) - 4) & ~3 | 2, rng.choice([0, 1, 2, 3, 999]))
    else:
        c[rng.randrange(len(c))] = rng.randrange(256)
    add(record(LIVE if kind != 4 else rng.randrange(256), packet(bytes(c))))
add(record(LIVE, packet(init(params=(struct.pack("!HH", 0x8008, 0) + bytes(4),)))))  # a zero-length parameter
add(record(LIVE, b""), record(LIVE, bytes(11)), record(LIVE, bytes(12)), record(0, bytes(16)))
add(b"\x0b")
add(b"\x0b\x00")
add(record(KEEP_CRC | SET_TAG, packet(data())))

write_corpus(OUT, inputs)

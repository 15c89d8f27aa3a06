#!/usr/bin/env python3
"""Writes hand-made fuzz seeds for FuzzSDP and FuzzCandidate from the SDP fixtures: each real description split into
session header + one media section (so every seed stays under 4 KiB), random recombinations of real attribute lines,
single-field mutations of real lines, and hand-written candidate shapes. Deterministic (fixed random seed); files
are named by SHA-1 of their content like libFuzzer's, so re-running adds nothing twice.
usage: scripts/capture-sdp/make_seeds.py   (from the repo root; then grow with scripts/fuzz --merge)"""
import hashlib
import pathlib
import random

FIXTURES = pathlib.Path("Tests/RTCWireTests/Fixtures/SDP")
SDP_OUT = pathlib.Path("Fuzz/Corpus/SDP")
CAND_OUT = pathlib.Path("Fuzz/Corpus/Candidate")
rng = random.Random(8866)


def save(folder, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > 4000:
        data = data[:data.rfind(b"\n", 0, 4000) + 1]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def sections(text):
    lines = text.split("\r\n")
    header, media, current = [], [], None
    for line in lines:
        if line.startswith("m="):
            current = [line]
            media.append(current)
        elif current is None:
            header.append(line)
        elif line:
            current.append(line)
    return [l for l in header if l], media


descriptions = {p.stem: p.read_bytes().decode() for p in sorted(FIXTURES.glob("*.sdp"))}
all_attributes, all_candidates, all_media_lines = [], [], []
headers = []
for name, text in descriptions.items():
    header, media = sections(text)
    if len(header) >= 4:
        headers.append(header)
    for section in media:
        all_media_lines.append(section[0])
        save(SDP_OUT, "\r\n".join(header + section) + "\r\n")
        for line in section[1:]:
            if line.startswith("a="):
                all_attributes.append(line)
            if line.startswith("a=candidate:"):
                all_candidates.append(line[2:])
    if len(text) < 4000:
        save(SDP_OUT, text)
        save(SDP_OUT, text.replace("\r\n", "\n"))
all_attributes = sorted(set(all_attributes))
all_candidates = sorted(set(all_candidates))
all_candidates += (FIXTURES / "chromium_candidates.txt").read_text().split("\n")

extra_sdp_lines = [
    "i=info", "u=http://example.com/", "e=a@example.com", "p=+1 555", "z=0 -1h", "k=clear:x", "y=unknown",
    "b=AS:30", "b=TIAS:64000", "c=IN IP6 ::1", "c=IN IP4 224.2.1.1/127/3", "r=7d 1h 0 25h", "t=1 2",
    "a=simulcast:send a;~b,c recv d", "a=simulcast:recv x", "a=rid:a recv pt=96;max-width=640",
    "a=extmap:5/recvonly urn:x attr", "a=extmap:4096/inactive urn:y", "a=ssrc-group:SIM 1 2 3",
    "a=ssrc:1 label", "a=sctpmap:5000 webrtc-datachannel 1024", "a=bundle-only", "a=ice-lite",
    "a=ice-options:trickle renomination", "a=setup:holdconn", "a=fingerprint:SHA-1 00:ff", "a=fmtp:101 0-15",
    "a=rtcp-fb:* ccm fir", "a=group:LS a b", "a=msid:s", "a=end-of-candidates", "a=inactive", "a=recvonly",
    "a=sendonly", "a=rtcp-rsize", "a=max-message-size:0", "a=sctp-port:0", "a=x-unknown:1 2  3", "a=empty:",
]

# Recombinations: a real header (or a minimal one) with 1-3 media sections of random real or odd lines.
for _ in range(700):
    header = rng.choice(headers + [["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0"]])
    out = list(header[:4])
    for extra in rng.sample(extra_sdp_lines, rng.randint(0, 2)):
        if extra[0] in "iuepzkybcrt" and rng.random() < 0.5:
            out.insert(rng.randint(3, len(out)), extra)
        else:
            out.append(extra)
    for _ in range(rng.randint(1, 3)):
        out.append(rng.choice(all_media_lines))
        pool = all_attributes + extra_sdp_lines
        out += rng.sample(pool, rng.randint(1, 6))
    text = "\r\n".join(out) + rng.choice(["\r\n", "\n", ""])
    save(SDP_OUT, text)

# Single mutations of one line of a small valid description.
base = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0"]
mutations = [lambda s: s[:-1], lambda s: s + "0", lambda s: s.replace(" ", "  ", 1), lambda s: s.replace(":", "", 1),
             lambda s: s.replace("1", "99999999999", 1), lambda s: s.replace("=", "", 1), lambda s: s.upper(),
             lambda s: s.split(" ")[0], lambda s: s + " extra", lambda s: s.replace("/", "", 1)]
for line in all_attributes + extra_sdp_lines + base:
    mutation = rng.choice(mutations)
    lines = list(base) + ([line] if line not in base else [])
    lines[lines.index(line)] = mutation(line)
    save(SDP_OUT, "\r\n".join(lines) + "\r\n")

# Candidate seeds.
hand = [
    "candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host",
    "1 1 UDP 2122252543 192.168.1.2 5000 typ host",
    "candidate:3 1 tcp 1518280447 2001:db8::1 9 typ host tcptype active generation 0 ufrag ab+/ network-id 2",
    "candidate:4 1 TCP 1 10.0.0.1 50000 typ srflx raddr 0.0.0.0 rport 0 tcptype so",
    "candidate:5 2 tcp 1 10.0.0.1 50000 typ host tcptype passive",
    "candidate:842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx raddr 10.0.0.2 rport 54400 generation 0 ufrag EsAw network-id 1 network-cost 10",
    "candidate:5 1 udp 41885439 198.51.100.1 3478 typ relay raddr 203.0.113.7 rport 61665",
    "candidate:6 1 udp 1845501695 198.51.100.9 1000 typ prflx",
    "candidate:1 1 udp 1 10.0.0.1 1 typ host x-first 1 generation 3 x-second two ufrag u",
    "candidate:1 256 udp 4294967295 fe80::1%eth0 65535 typ host",
    "candidate:abc+/ 1 ssltcp 1 h.local 1 typ host rport 1 raddr x",
]
for line in hand + all_candidates:
    if not line:
        continue
    save(CAND_OUT, line)
    fields = line.split(" ")
    for _ in range(6):
        f = list(fields)
        choice = rng.randrange(7)
        i = rng.randrange(len(f))
        if choice == 0:
            del f[i]
        elif choice == 1:
            f[i] = rng.choice(["0", "257", "65536", "4294967296", "-1", "", "typ", "raddr", "rport", "tcptype", "host",
                               "srflx", "relay", "prflx", "active", "passive", "so", "generation", "UDP", "tcp"])
        elif choice == 2:
            f += rng.choice([["tcptype", rng.choice(["active", "passive", "so", "x"])], ["generation", "1"],
                             ["ufrag", "abcd"], ["network-id", "3"], ["network-cost", "50"], ["x", "y"], ["lonely"]])
        elif choice == 3:
            f[i:i] = [f[i]]
        elif choice == 4:
            f = f[:rng.randint(1, len(f))]
        elif choice == 5:
            f[0] = f[0].replace("candidate:", rng.choice(["", "candidate:candidate:", "Candidate:", "a=candidate:"]))
        else:
            f.insert(8, rng.choice(["raddr 10.0.0.1 rport 9", "raddr ::", "rport 7", "raddr x rport y"]))
        save(CAND_OUT, " ".join(f))

# Candidate lines assembled from parts: every type, transport spelling, address family and extension mix.
addresses = ["10.0.0.1", "192.168.1.20", "fd00:64::2", "2001:db8::1", "fe80::1", "::", "0.0.0.0",
             "62a815e8-4cae-4cd0-bd9b-df14699162f1.local", "host.example.com", "[::1]", "1.2.3"]
extensions = [["generation", "0"], ["ufrag", "KL90"], ["network-id", "1"], ["network-cost", "999"],
              ["tcptype", "active"], ["tcptype", "passive"], ["tcptype", "so"], ["x-vendor", "1"], ["raddr", "1.1.1.1"]]
for _ in range(500):
    kind = rng.choice(["host", "srflx", "prflx", "relay"])
    fields = [rng.choice(["candidate:", "", "candidate: "]) + rng.choice(["1", "1793957097", "2e1bcee440b2e718fd5a191c78b44f9f", "a+/Z"]),
              str(rng.choice([1, 2, 3, 255, 256])), rng.choice(["udp", "UDP", "tcp", "TCP", "Udp", "ssltcp"]),
              str(rng.choice([0, 1, 41885439, 1677729535, 2113937151, 2130706431, 4294967295])),
              rng.choice(addresses), str(rng.choice([0, 9, 3478, 57841, 65535])), "typ", kind]
    if kind != "host" or rng.random() < 0.2:
        if rng.random() < 0.8:
            fields += ["raddr", rng.choice(addresses)]
        if rng.random() < 0.8:
            fields += ["rport", str(rng.choice([0, 9, 54400]))]
    for ext in rng.sample(extensions, rng.randint(0, 4)):
        fields += ext
    save(CAND_OUT, " ".join(fields) + rng.choice(["", "", "\r\n", " "]))

print(len(list(SDP_OUT.iterdir())), "SDP seeds,", len(list(CAND_OUT.iterdir())), "candidate seeds")

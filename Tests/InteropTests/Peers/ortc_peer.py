"""A real aiortc ORTC stack for AsyncRTC's ORTC interop tests: RTCIceGatherer, RTCIceTransport, RTCDtlsTransport,
RTCSctpTransport and RTCDataChannel driven by hand, as aiortc's own tests/test_ortc.py does.

usage: ortc_peer.py ROLE          (ROLE: "controlling" or "controlled", the ICE role of this side)

Signalling is one JSON object per line: this script writes to stdout and reads from stdin.
  -> {"type": "parameters", "ice": {...}, "candidates": [...], "dtls": {...}, "sctp": {...}}
  <- the same from the other side
  -> {"type": "connected", "ice": state, "iceRole": ..., "dtls": state, "dtlsRole": ...}
  -> {"type": "channel", ...} for each channel the other side opens (every message on it is echoed back)
  -> {"type": "message", ...} for each message received on such a channel (kind, length, sha256)
  -> {"type": "result", "echoes": [...]} once the messages sent on our channel "from-aiortc" came back
  <- {"type": "bye"}: stop every transport
  -> {"type": "stopped", "ice": state, "dtls": state, "sctp": state}
aiortc's host candidates are limited to 127.0.0.1 so that the test stays on loopback.
"""
import asyncio
import hashlib
import json
import sys
import threading

from aiortc import (
    RTCCertificate,
    RTCDataChannel,
    RTCDataChannelParameters,
    RTCDtlsFingerprint,
    RTCDtlsParameters,
    RTCDtlsTransport,
    RTCIceGatherer,
    RTCIceParameters,
    RTCIceTransport,
    RTCSctpCapabilities,
    RTCSctpTransport,
)
from aiortc.sdp import candidate_from_sdp, candidate_to_sdp

from common import restrict_to_loopback

restrict_to_loopback()

TEST_MESSAGES = ["hello from aiortc", b"\x00\x01\x02\xff", "", b"", "ünïcødé 🚀", bytes((i * 7 + 3) & 0xFF for i in range(70000))]


def describe(message):
    data = message.encode("utf8") if isinstance(message, str) else message
    return {"kind": "text" if isinstance(message, str) else "binary", "length": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def write(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


_lines = None


def start_reader():
    """Reads stdin on a daemon thread (it never keeps the process alive) into an asyncio queue."""
    global _lines
    loop = asyncio.get_running_loop()
    _lines = asyncio.Queue()

    def pump():
        for line in sys.stdin:
            loop.call_soon_threadsafe(_lines.put_nowait, line)
        loop.call_soon_threadsafe(_lines.put_nowait, "")

    threading.Thread(target=pump, daemon=True).start()


async def read():
    line = await _lines.get()
    if not line:
        raise EOFError("stdin closed")
    return json.loads(line)


async def run(role):
    start_reader()
    gatherer = RTCIceGatherer(iceServers=[])
    ice = RTCIceTransport(gatherer)
    ice._connection.ice_controlling = role == "controlling"
    certificate = RTCCertificate.generateCertificate()
    dtls = RTCDtlsTransport(ice, [certificate])
    sctp = RTCSctpTransport(dtls, port=5000)
    await gatherer.gather()

    local_ice = gatherer.getLocalParameters()
    write({
        "type": "parameters",
        "ice": {"usernameFragment": local_ice.usernameFragment, "password": local_ice.password},
        "candidates": [candidate_to_sdp(c) for c in gatherer.getLocalCandidates()],
        "dtls": {"fingerprints": [{"algorithm": f.algorithm, "value": f.value}
                                  for f in dtls.getLocalParameters().fingerprints], "role": "auto"},
        "sctp": {"maxMessageSize": sctp.getCapabilities().maxMessageSize, "port": sctp.port},
    })
    remote = await read()
    assert remote["type"] == "parameters", remote

    for line in remote["candidates"]:
        await ice.addRemoteCandidate(candidate_from_sdp(line.removeprefix("candidate:")))
    await ice.addRemoteCandidate(None)
    await ice.start(RTCIceParameters(usernameFragment=remote["ice"]["usernameFragment"],
                                     password=remote["ice"]["password"]))
    await dtls.start(RTCDtlsParameters(
        fingerprints=[RTCDtlsFingerprint(algorithm=f["algorithm"], value=f["value"]) for f in remote["dtls"]["fingerprints"]],
        role=remote["dtls"].get("role", "auto")))
    write({"type": "connected", "ice": ice.state, "iceRole": ice.role, "dtls": dtls.state, "dtlsRole": dtls._role})

    @sctp.on("datachannel")
    def on_datachannel(channel):
        write({"type": "channel", "label": channel.label, "protocol": channel.protocol, "id": channel.id,
               "ordered": channel.ordered})

        @channel.on("message")
        def on_message(message):
            write({"type": "message", "label": channel.label, **describe(message)})
            channel.send(message)

    await sctp.start(RTCSctpCapabilities(maxMessageSize=remote["sctp"]["maxMessageSize"]), remote["sctp"]["port"])

    own = RTCDataChannel(sctp, RTCDataChannelParameters(label="from-aiortc"))
    echoes = []
    done = asyncio.Event()

    @own.on("open")
    def on_open():
        for m in TEST_MESSAGES:
            own.send(m)

    @own.on("message")
    def on_echo(message):
        echoes.append(describe(message))
        if len(echoes) == len(TEST_MESSAGES):
            done.set()

    await asyncio.wait_for(done.wait(), 30)
    write({"type": "result", "id": own.id, "echoes": echoes,
           "expected": [describe(m) for m in TEST_MESSAGES]})

    while True:
        message = await read()
        if message.get("type") == "bye":
            break
    await sctp.stop()
    await dtls.stop()
    await ice.stop()
    write({"type": "stopped", "ice": ice.state, "dtls": dtls.state, "sctp": sctp.state})


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(run(sys.argv[1]), 90))

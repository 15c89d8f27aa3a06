"""A real aiortc peer for AsyncRTC's TURN interop tests: aiortc configured with a TURN server (coturn).

usage: turn_peer.py ROLE HOST PORT OUTFILE TURN_URL USERNAME CREDENTIAL
ROLE "answer": receive an offer, answer, echo every message; stop on "bye".
ROLE "offer":  offer with channel "chat", send the test messages, check the echoes, write the result, send "bye".
OUTFILE gets JSON lines: {"event": "message", ...} for every message received (kind, length, sha256),
{"event": "pair", ...} with the candidate types of the pair aiortc's ICE nominated, and for ROLE "offer"
{"event": "result", ...}. aiortc's host candidates are limited to 127.0.0.1 so that the test stays on loopback.
"""
import asyncio
import hashlib
import json
import sys

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection
from aiortc.contrib.signaling import BYE, TcpSocketSignaling

from common import answer_until_bye, connect_with_retry, restrict_to_loopback

restrict_to_loopback()

TEST_MESSAGES = ["through coturn", b"\x00\x01\x02", "ünïcødé 🚀", bytes((i * 7) & 0xFF for i in range(40000))]


def describe(message):
    data = message.encode("utf8") if isinstance(message, str) else message
    return {"kind": "text" if isinstance(message, str) else "binary", "length": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def write_pair(pc, out):
    """The nominated pair of aiortc's ICE connection (aioice internals; best effort)."""
    try:
        connection = pc.sctp.transport.transport._connection
        pair = next(iter(connection._nominated.values()))
        out.write(json.dumps({"event": "pair", "local": pair.local_candidate.type,
                              "remote": pair.remote_candidate.type,
                              "remoteAddress": f"{pair.remote_candidate.host}:{pair.remote_candidate.port}"}) + "\n")
    except Exception as error:  # noqa: BLE001 - diagnostics only
        out.write(json.dumps({"event": "pair", "error": repr(error)}) + "\n")


async def answer(signaling, pc, out):
    @pc.on("datachannel")
    def on_datachannel(channel):
        write_pair(pc, out)

        @channel.on("message")
        def on_message(message):
            out.write(json.dumps({"event": "message", "label": channel.label, **describe(message)}) + "\n")
            channel.send(message)

    await answer_until_bye(pc, signaling)


async def offer(signaling, pc, out):
    channel = pc.createDataChannel("chat")
    echoes = []
    done = asyncio.Event()

    @channel.on("open")
    def on_open():
        write_pair(pc, out)
        for message in TEST_MESSAGES:
            channel.send(message)

    @channel.on("message")
    def on_message(message):
        echoes.append(message)
        out.write(json.dumps({"event": "message", "label": channel.label, **describe(message)}) + "\n")
        if len(echoes) == len(TEST_MESSAGES):
            done.set()

    await pc.setLocalDescription(await pc.createOffer())
    await signaling.send(pc.localDescription)
    obj = await signaling.receive()
    await pc.setRemoteDescription(obj)
    try:
        await asyncio.wait_for(done.wait(), 30)
    except asyncio.TimeoutError:
        pass
    out.write(json.dumps({"event": "result", "echoesMatch": echoes == TEST_MESSAGES, "echoes": len(echoes)}) + "\n")
    out.flush()
    await signaling.send(BYE)


async def main():
    role, host, port, outfile, url, username, credential = sys.argv[1:8]
    signaling = TcpSocketSignaling(host, int(port))
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[RTCIceServer(urls=url, username=username,
                                                                     credential=credential)]))
    with open(outfile, "w", buffering=1) as out:
        if role == "answer":
            await connect_with_retry(signaling)
            await answer(signaling, pc, out)
        else:
            await offer(signaling, pc, out)
    await pc.close()
    await signaling.close()


asyncio.run(main())

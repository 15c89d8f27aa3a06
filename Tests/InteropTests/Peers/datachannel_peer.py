"""A real aiortc peer for AsyncRTC's data channel interop tests.

usage: datachannel_peer.py ROLE HOST PORT OUTFILE
ROLE "answer": receive an offer, answer, echo every message on every channel; stop on "bye".
ROLE "offer":  offer with channel "chat", send the test messages, check the echoes, write the result, send "bye".
OUTFILE gets JSON lines: {"event": "channel", ...} for channels opened by the remote side, {"event": "message",
...} for every message received (kind, length, sha256), and for ROLE "offer" {"event": "result", ...}.
aiortc's host candidates are limited to 127.0.0.1 so that the test stays on loopback.
"""
import asyncio
import hashlib
import json
import sys

from aiortc import RTCPeerConnection
from aiortc.contrib.signaling import BYE, TcpSocketSignaling

from common import answer_until_bye, connect_with_retry, restrict_to_loopback

restrict_to_loopback()

TEST_MESSAGES = ["hello", b"\x01\x02\x03", "", b"", "ünïcødé 🚀 中文", bytes((i * 13) & 0xFF for i in range(65536))]


def describe(message):
    data = message.encode("utf8") if isinstance(message, str) else message
    return {"kind": "text" if isinstance(message, str) else "binary", "length": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


async def answer(signaling, pc, out):
    @pc.on("datachannel")
    def on_datachannel(channel):
        out.write(json.dumps({"event": "channel", "label": channel.label, "protocol": channel.protocol,
                              "ordered": channel.ordered, "maxRetransmits": channel.maxRetransmits,
                              "id": channel.id}) + "\n")

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
    role, host, port, outfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    signaling = TcpSocketSignaling(host, port)
    pc = RTCPeerConnection()
    with open(outfile, "w", buffering=1) as out:
        if role == "answer":
            await connect_with_retry(signaling)
            await answer(signaling, pc, out)
        else:
            await offer(signaling, pc, out)
    await pc.close()
    await signaling.close()


asyncio.run(main())

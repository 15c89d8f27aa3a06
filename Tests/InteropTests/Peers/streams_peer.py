"""A real aiortc peer for AsyncRTC's SCTP stream-growth interop test (RFC 6525 add streams).

usage: streams_peer.py HOST PORT OUTFILE COUNT
Answers AsyncRTC's offer and echoes every message on every channel AsyncRTC opens. Once the association is up it
opens COUNT channels of its own, sends a text and a binary message on each and checks the echoes. AsyncRTC starts
with 16 outbound streams here, so its DCEP ACKs on aiortc's higher ids need streams it adds first.
OUTFILE gets JSON lines: {"event": "result", "channels": COUNT, "echoed": N} where N channels got both messages
back intact. Stops on "bye".
"""
import asyncio
import json
import sys

from aiortc import RTCPeerConnection
from aiortc.contrib.signaling import TcpSocketSignaling

from common import answer_until_bye, connect_with_retry, restrict_to_loopback

restrict_to_loopback()


def payloads(index):
    return ["aiortc channel %d" % index, bytes(((i * (index + 5)) + 1) & 0xFF for i in range(300 + index * 53))]


async def open_channels(pc, count, out):
    echoed = 0
    done = asyncio.Event()

    def make(index):
        channel = pc.createDataChannel("a-%d" % index, ordered=index % 2 == 0)
        expected = payloads(index)
        received = []

        @channel.on("open")
        def on_open():
            for message in expected:
                channel.send(message)

        @channel.on("message")
        def on_message(message):
            nonlocal echoed
            received.append(message)
            if len(received) == len(expected):
                if sorted(received, key=repr) == sorted(expected, key=repr):
                    echoed += 1
                if echoed == count:
                    done.set()

    for index in range(count):
        make(index)
    try:
        await asyncio.wait_for(done.wait(), 60)
    except asyncio.TimeoutError:
        pass
    out.write(json.dumps({"event": "result", "channels": count, "echoed": echoed}) + "\n")
    out.flush()


async def main():
    host, port, outfile, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    signaling = TcpSocketSignaling(host, port)
    pc = RTCPeerConnection()
    started = False
    with open(outfile, "w", buffering=1) as out:
        @pc.on("datachannel")
        def on_datachannel(channel):
            nonlocal started

            @channel.on("message")
            def on_message(message):
                channel.send(message)

            if not started:
                started = True
                asyncio.ensure_future(open_channels(pc, count, out))

        await connect_with_retry(signaling)
        await answer_until_bye(pc, signaling)
    await pc.close()
    await signaling.close()


asyncio.run(main())

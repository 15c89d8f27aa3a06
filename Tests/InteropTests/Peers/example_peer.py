"""aiortc on the other end of AsyncRTC's examples, speaking the protocols of aiortc's own examples.

usage: example_peer.py cli offer|answer PORT COUNT
       example_peer.py filexfer send|receive PORT FILE
cli: the offerer opens "chat" and sends "ping <µs>" every 200 ms and stops after COUNT pongs; the answerer replies
"pong <µs>" until the other side says bye. Both print "done N".
filexfer: the sender streams FILE in 16 KiB messages on "filexfer" with buffered-amount flow control and an empty
message at the end; the receiver writes FILE and says bye.
Signaling is aiortc's TcpSocketSignaling on 127.0.0.1:PORT; host candidates are limited to 127.0.0.1.
"""
import asyncio
import sys
import time

from aiortc import RTCPeerConnection
from aiortc.contrib.signaling import BYE, TcpSocketSignaling

from common import answer_until_bye, connect_with_retry, restrict_to_loopback

restrict_to_loopback()


def stamp():
    return int(time.monotonic() * 1000000)


async def cli(role, signaling, pc, count):
    stop = asyncio.Event()
    seen = 0
    if role == "offer":
        channel = pc.createDataChannel("chat")

        async def pings():
            while not stop.is_set():
                channel.send("ping %d" % stamp())
                await asyncio.sleep(0.2)

        channel.on("open", lambda: asyncio.ensure_future(pings()))

        @channel.on("message")
        def on_message(message):
            nonlocal seen
            if isinstance(message, str) and message.startswith("pong"):
                seen += 1
                if seen >= count:
                    stop.set()

        await pc.setLocalDescription(await pc.createOffer())
        await signaling.send(pc.localDescription)
    else:
        await connect_with_retry(signaling)

        @pc.on("datachannel")
        def on_datachannel(channel):
            @channel.on("message")
            def on_message(message):
                nonlocal seen
                if isinstance(message, str) and message.startswith("ping"):
                    channel.send("pong" + message[4:])
                    seen += 1  # the answerer keeps answering until the offerer says bye

    consumer = asyncio.ensure_future(answer_until_bye(pc, signaling, stop))
    await asyncio.wait([consumer, asyncio.ensure_future(stop.wait())], timeout=60, return_when=asyncio.FIRST_COMPLETED)
    print("done %d" % seen, flush=True)
    await signaling.send(BYE)


async def filexfer(role, signaling, pc, filename):
    if role == "send":
        fp = open(filename, "rb")
        channel = pc.createDataChannel("filexfer")
        channel.bufferedAmountLowThreshold = 1 << 20
        done_reading = False

        def send_data():
            nonlocal done_reading
            while channel.bufferedAmount <= channel.bufferedAmountLowThreshold and not done_reading:
                data = fp.read(16384)
                channel.send(data)
                if not data:
                    done_reading = True

        channel.on("bufferedamountlow", send_data)
        channel.on("open", send_data)
        await pc.setLocalDescription(await pc.createOffer())
        await signaling.send(pc.localDescription)
        await answer_until_bye(pc, signaling, asyncio.Event())
    else:
        await connect_with_retry(signaling)
        fp = open(filename, "wb")
        finished = asyncio.Event()
        octets = 0
        start = time.monotonic()

        @pc.on("datachannel")
        def on_datachannel(channel):
            nonlocal start
            start = time.monotonic()

            @channel.on("message")
            def on_message(message):
                nonlocal octets
                if message:
                    octets += len(message)
                    fp.write(message)
                else:
                    fp.close()
                    elapsed = time.monotonic() - start
                    print("received %d bytes in %.3f s (%.3f Mbps)" % (octets, elapsed, octets * 8 / elapsed / 1e6),
                          flush=True)
                    finished.set()

        consumer = asyncio.ensure_future(answer_until_bye(pc, signaling, finished))
        await asyncio.wait_for(finished.wait(), 120)
        await signaling.send(BYE)
        consumer.cancel()


async def main():
    example, role, port, arg = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    signaling = TcpSocketSignaling("127.0.0.1", port)
    pc = RTCPeerConnection()
    if example == "cli":
        await cli(role, signaling, pc, int(arg))
    else:
        await filexfer(role, signaling, pc, arg)
    await pc.close()
    await signaling.close()


asyncio.run(main())

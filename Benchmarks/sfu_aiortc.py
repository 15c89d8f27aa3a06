"""aiortc's side of benchmark scenario 6 (see bench-sfu): one VP8 publisher (640x480 at 30 fps, the moving bars of
media_aiortc.py) relayed by an SFU process to N subscribers. aiortc's MediaRelay relays decoded frames, so its SFU
decodes the publisher once and re-encodes once per subscriber. Same roles, signaling and output lines as bench-sfu:
    sfu_aiortc.py sfu PORT N SECONDS       prints `cpu P % subscribers N seconds S`
    sfu_aiortc.py clients PORT N SECONDS   prints `subscribers N min-fps F median-fps M decoded-fps D
                                           clients-cpu-percent C seconds S`
aiortc's receivers always decode, so a subscriber's frames are counted after decoding."""
import asyncio
import os
import resource
import sys
import time

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.contrib.signaling import BYE, TcpSocketSignaling

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "InteropTests", "Peers"))
from common import connect_with_retry, restrict_to_loopback  # noqa: E402
from media_aiortc import BarsTrack  # noqa: E402  (the same pictures as scenario 4)

restrict_to_loopback()


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def receive_description(signaling):
    while True:
        message = await signaling.receive()
        if isinstance(message, RTCSessionDescription):
            return message
        if message is None or message is BYE:
            raise SystemExit("signaling ended")


async def sfu(signaling, n, seconds):
    publisher = RTCPeerConnection()
    source = {}

    @publisher.on("track")
    def on_track(track):
        if track.kind == "video":
            source["video"] = track

    await connect_with_retry(signaling)
    await publisher.setRemoteDescription(await receive_description(signaling))
    await publisher.setLocalDescription(await publisher.createAnswer())
    await signaling.send(publisher.localDescription)
    relay = MediaRelay()
    subscribers = []
    for _ in range(n):
        pc = RTCPeerConnection()
        await pc.setRemoteDescription(await receive_description(signaling))
        pc.addTrack(relay.subscribe(source["video"]))
        await pc.setLocalDescription(await pc.createAnswer())
        await signaling.send(pc.localDescription)
        subscribers.append(pc)
    start = time.monotonic()
    while any(pc.connectionState != "connected" for pc in subscribers) and time.monotonic() - start < 60:
        await asyncio.sleep(0.05)
    await asyncio.sleep(2)
    cpu0, wall0 = cpu_seconds(), time.monotonic()
    await asyncio.sleep(seconds)
    print("cpu %.2f %% subscribers %d seconds %.0f" % (
        100 * (cpu_seconds() - cpu0) / (time.monotonic() - wall0), n, seconds), flush=True)
    try:
        await signaling.receive()  # the clients' bye, once their window is over
    except Exception:
        pass
    for pc in subscribers:
        await pc.close()
    await publisher.close()


async def clients(signaling, n, seconds):
    publisher = RTCPeerConnection()
    publisher.addTransceiver(BarsTrack(), direction="sendonly")
    await publisher.setLocalDescription(await publisher.createOffer())
    await signaling.send(publisher.localDescription)
    await publisher.setRemoteDescription(await receive_description(signaling))

    counts = [0] * n
    readers = []
    subscribers = []
    for index in range(n):
        pc = RTCPeerConnection()

        def on_track(track, index=index):
            async def read():
                while True:
                    try:
                        await track.recv()
                    except Exception:
                        return
                    counts[index] += 1
            if track.kind == "video":
                readers.append(asyncio.ensure_future(read()))

        pc.on("track", on_track)
        pc.addTransceiver("video", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        await signaling.send(pc.localDescription)
        await pc.setRemoteDescription(await receive_description(signaling))
        subscribers.append(pc)
    start = time.monotonic()
    while 0 in counts and time.monotonic() - start < 60:
        await asyncio.sleep(0.05)
    if 0 in counts:
        print("%d subscribers received nothing in 60 s" % counts.count(0), file=sys.stderr)
    await asyncio.sleep(1)
    before, cpu0, wall0 = list(counts), cpu_seconds(), time.monotonic()
    await asyncio.sleep(seconds)
    wall = time.monotonic() - wall0
    fps = sorted((a - b) / wall for a, b in zip(counts, before))
    print("subscribers %d min-fps %.2f median-fps %.2f decoded-fps %.2f clients-cpu-percent %.1f seconds %.0f" % (
        n, fps[0], fps[len(fps) // 2], (counts[0] - before[0]) / wall, 100 * (cpu_seconds() - cpu0) / wall,
        seconds), flush=True)
    await signaling.send(BYE)
    for task in readers:
        task.cancel()
    for pc in subscribers:
        await pc.close()
    await publisher.close()


async def main():
    role, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 10
    signaling = TcpSocketSignaling("127.0.0.1", port)
    if role == "sfu":
        await sfu(signaling, n, seconds)
    else:
        await clients(signaling, n, seconds)
    await signaling.close()


asyncio.run(main())

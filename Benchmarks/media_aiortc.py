"""aiortc's side of benchmark scenario 4 (see bench-media): a sender of Opus (48 kHz mono, 20 ms) and VP8 640x480
at 30 fps from synthetic sources computed once up front, and a receiver that reads every decoded frame, each in
its own process, signaling over TCP on 127.0.0.1:PORT. Each prints its own process's CPU % over SECONDS once
media flows.
    media_aiortc.py send|receive PORT SECONDS"""
import asyncio
import fractions
import math
import os
import resource
import sys
import time

import struct
from av import AudioFrame, VideoFrame
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.signaling import BYE, TcpSocketSignaling
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "InteropTests", "Peers"))
from common import connect_with_retry, restrict_to_loopback  # noqa: E402

restrict_to_loopback()


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class ToneTrack(AudioStreamTrack):
    """A 440 Hz tone, 20 ms of 48 kHz mono s16 per frame, computed once; paced like aiortc's AudioStreamTrack."""

    def __init__(self):
        super().__init__()
        self.frames = []
        for n in range(50):
            samples = [int(12000 * math.sin(2 * math.pi * 440 * (n * 960 + i) / 48000)) for i in range(960)]
            self.frames.append(struct.pack("<960h", *samples))
        self.index = 0
        self.start = None

    async def recv(self):
        if self.start is None:
            self.start = time.time()
            self.pts = 0
        else:
            self.pts += 960
            wait = self.start + self.pts / 48000 - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        frame = AudioFrame(format="s16", layout="mono", samples=960)
        frame.planes[0].update(self.frames[self.index % 50])
        self.index += 1
        frame.sample_rate = 48000
        frame.pts = self.pts
        frame.time_base = fractions.Fraction(1, 48000)
        return frame


class BarsTrack(VideoStreamTrack):
    """640x480 moving bars at 30 fps: 30 I420 frames computed once and cycled."""

    def __init__(self, width=640, height=480):
        super().__init__()
        self.frames = []
        for n in range(30):
            # I420 bars drawn straight into the planes (no numpy in the pinned venv): luma bars, flat chroma.
            row = bytes((60, 150, 100, 200)[((x + n * 8) // 40) % 4] for x in range(width))
            frame = VideoFrame(width=width, height=height, format="yuv420p")
            luma = frame.planes[0]
            stride = luma.line_size
            luma.update((row + bytes(stride - width)) * height)
            for plane in frame.planes[1:]:
                plane.update(bytes([128]) * plane.buffer_size)
            self.frames.append(frame)
        self.index = 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        frame = self.frames[self.index % 30]
        self.index += 1
        frame.pts = pts
        frame.time_base = time_base
        return frame


async def measure(seconds, counts):
    start_counts, start_cpu, start = dict(counts), cpu_seconds(), time.monotonic()
    await asyncio.sleep(seconds)
    wall = time.monotonic() - start
    print("cpu %.2f %% frames-video %d frames-audio %d seconds %.0f" % (
        100 * (cpu_seconds() - start_cpu) / wall, counts["video"] - start_counts["video"],
        counts["audio"] - start_counts["audio"], seconds), flush=True)


async def main():
    role, port = sys.argv[1], int(sys.argv[2])
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 20
    pc = RTCPeerConnection()
    signaling = TcpSocketSignaling("127.0.0.1", port)
    counts = {"video": 0, "audio": 0}
    if role == "send":
        pc.addTrack(ToneTrack())
        pc.addTrack(BarsTrack())
        await signaling.connect()
        await pc.setLocalDescription(await pc.createOffer())
        await signaling.send(pc.localDescription)
        while True:
            message = await signaling.receive()
            if isinstance(message, RTCSessionDescription):
                await pc.setRemoteDescription(message)
                break
        while pc.connectionState != "connected":
            await asyncio.sleep(0.01)
        await asyncio.sleep(1)
        await measure(seconds, counts)
        await asyncio.sleep(2)
        await signaling.send(BYE)
    else:
        readers = []

        @pc.on("track")
        def on_track(track):
            async def read():
                while True:
                    try:
                        await track.recv()
                    except Exception:
                        return
                    counts[track.kind] += 1
            readers.append(asyncio.ensure_future(read()))

        await connect_with_retry(signaling)
        while True:
            message = await signaling.receive()
            if isinstance(message, RTCSessionDescription):
                await pc.setRemoteDescription(message)
                await pc.setLocalDescription(await pc.createAnswer())
                await signaling.send(pc.localDescription)
                break
        while counts["video"] == 0:
            await asyncio.sleep(0.01)
        await asyncio.sleep(1)
        await measure(seconds, counts)
    await pc.close()
    await signaling.close()


if __name__ == "__main__":
    asyncio.run(main())

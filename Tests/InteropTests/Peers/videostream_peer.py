"""aiortc on the other end of AsyncRTC's videostream-cli, mirroring aiortc's examples/videostream-cli/cli.py.

usage: videostream_peer.py offer|answer PORT RECORD_FILE SECONDS
Sends a moving test pattern (320x240, 30 fps) and records the video it receives with
aiortc.contrib.media.MediaRecorder to RECORD_FILE (.webm: aiortc records VP8 only into WebM; it would pick
H.264 for IVF, which the IVF muxer refuses); audio it receives goes to a MediaBlackhole. Once
connected it runs for SECONDS, then stops the recorder, says bye and prints "recorded".
Signaling is aiortc's TcpSocketSignaling on 127.0.0.1:PORT; host candidates are limited to 127.0.0.1.
"""
import asyncio
import sys
import traceback

from av import VideoFrame
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from aiortc.contrib.media import MediaBlackhole, MediaRecorder
from aiortc.contrib.signaling import BYE, TcpSocketSignaling

from common import connect_with_retry, restrict_to_loopback

restrict_to_loopback()

WIDTH, HEIGHT = 320, 240


class PatternTrack(VideoStreamTrack):
    """Vertical bars that move 4 pixels per frame (the role of the example's FlagVideoStreamTrack)."""

    def __init__(self):
        super().__init__()
        self.counter = 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        shift = self.counter * 4
        self.counter += 1
        row = bytes(((x + shift) // 32 % 4) * 60 + 16 for x in range(WIDTH))
        frame = VideoFrame(width=WIDTH, height=HEIGHT, format="yuv420p")
        frame.planes[0].update(row * HEIGHT)
        frame.planes[1].update(bytes([128]) * (WIDTH // 2 * HEIGHT // 2))
        frame.planes[2].update(bytes([(shift // 4) % 256]) * (WIDTH // 2 * HEIGHT // 2))
        frame.pts = pts
        frame.time_base = time_base
        return frame


async def run(role, port, record, seconds):
    signaling = TcpSocketSignaling("127.0.0.1", port)
    pc = RTCPeerConnection()
    recorder = MediaRecorder(record)
    blackhole = MediaBlackhole()
    connected = asyncio.Event()

    @pc.on("track")
    def on_track(track):
        if track.kind == "video":
            recorder.addTrack(track)
        else:
            blackhole.addTrack(track)

    @pc.on("connectionstatechange")
    def on_state():
        if pc.connectionState == "connected":
            connected.set()

    if role == "offer":
        pc.addTrack(PatternTrack())
        await pc.setLocalDescription(await pc.createOffer())
        await signaling.send(pc.localDescription)
    else:
        await connect_with_retry(signaling)

    async def consume():
        try:
            await consume_messages()
        except Exception:
            traceback.print_exc()
            raise

    async def consume_messages():
        started = False
        while True:
            obj = await signaling.receive()
            if isinstance(obj, RTCSessionDescription):
                await pc.setRemoteDescription(obj)
                if not started:
                    started = True
                    await recorder.start()
                    await blackhole.start()
                if obj.type == "offer":
                    pc.addTrack(PatternTrack())
                    await pc.setLocalDescription(await pc.createAnswer())
                    await signaling.send(pc.localDescription)
            elif obj is BYE or obj is None:
                return

    consumer = asyncio.ensure_future(consume())
    await asyncio.wait_for(connected.wait(), 30)
    await asyncio.sleep(seconds)
    await recorder.stop()
    await blackhole.stop()
    print("recorded", flush=True)
    await signaling.send(BYE)
    consumer.cancel()
    await pc.close()
    await signaling.close()


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])))

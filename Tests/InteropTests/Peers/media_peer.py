"""A real aiortc peer for AsyncRTC's media interop tests.

usage: media_peer.py ROLE HOST PORT OUTFILE [VIDEO_CODEC]
ROLE "answer": receive an offer, echo every received track back (aiortc decodes and re-encodes it), analyse what
               arrives, stop on "bye".
ROLE "offer":  send an 880 Hz tone (48 kHz) and a 320x240 moving pattern, analyse what comes back, send "bye".
VIDEO_CODEC (offer only): the only video codec offered (aiortc 1.16 has VP8 and H264).
OUTFILE gets JSON lines: {"event": "track", "kind": ...} per remote track, and one {"event": "summary", ...} with
per kind: frames received, video sizes, the audio sample rate, the spectral peak of the received audio and its
880 Hz and 440 Hz Goertzel powers (left channel, pure Python).
aiortc's host candidates are limited to 127.0.0.1 so that the test stays on loopback.
"""
import asyncio
import fractions
import json
import math
import struct
import sys
import time

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCRtpSender, VideoStreamTrack
from aiortc.contrib.signaling import BYE, TcpSocketSignaling
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame, VideoFrame

from common import answer_until_bye, connect_with_retry, restrict_to_loopback

restrict_to_loopback()


class Tone(MediaStreamTrack):
    """A sine tone (880 Hz by default), 48 kHz mono s16, 20 ms frames, paced to real time."""
    kind = "audio"

    def __init__(self, frequency=880):
        super().__init__()
        self.frequency = frequency
        self.samples = 0
        self.start = None

    async def recv(self):
        if self.start is None:
            self.start = time.time()
        wait = self.start + self.samples / 48000 - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        pcm = b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * self.frequency * (self.samples + i) / 48000)))
                       for i in range(960))
        frame = AudioFrame(format="s16", layout="mono", samples=960)
        frame.planes[0].update(pcm)
        frame.sample_rate = 48000
        frame.pts = self.samples
        frame.time_base = fractions.Fraction(1, 48000)
        self.samples += 960
        return frame


class Pattern(VideoStreamTrack):
    """A 320x240 frame whose bars move, so that every frame differs."""

    def __init__(self):
        super().__init__()
        self.count = 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame(width=320, height=240, format="yuv420p")
        offset = self.count * 4
        y = bytes(((x + offset) // 40 % 2) * 180 + 30 for x in range(320)) * 240
        frame.planes[0].update(y)
        frame.planes[1].update(bytes([90]) * (160 * 120))
        frame.planes[2].update(bytes([160]) * (160 * 120))
        frame.pts = pts
        frame.time_base = time_base
        self.count += 1
        return frame


def peak_frequency(samples, rate):
    """The strongest tone between 100 and 2000 Hz to a quarter hertz: samples decimated to about 8 kHz (the tones
    tested are far below 4 kHz), a Goertzel scan in 5 Hz steps, then 0.25 Hz steps around the best."""
    step = max(1, rate // 8000)
    decimated, rate = samples[::step], rate / step

    def best(low, high, delta):
        f, peak, power = low, low, -1.0
        while f <= high:
            p = goertzel(decimated, rate, f)
            if p > power:
                peak, power = f, p
            f += delta
        return peak

    coarse = best(100, 2000, 5)
    return best(coarse - 5, coarse + 5, 0.25)


def goertzel(samples, rate, freq):
    k = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    return s1 * s1 + s2 * s2 - k * s1 * s2


class Analysis:
    def __init__(self):
        self.audio_frames = 0
        self.video_frames = 0
        self.sizes = set()
        self.rate = None
        self.left = []

    async def consume(self, track):
        try:
            while True:
                frame = await track.recv()
                if track.kind == "audio":
                    self.audio_frames += 1
                    self.rate = frame.sample_rate
                    channels = len(frame.layout.channels)
                    if 50 <= self.audio_frames < 100:  # one second, after start-up
                        data = bytes(frame.planes[0])[: frame.samples * channels * 2]
                        values = struct.unpack("<%dh" % (frame.samples * channels), data)
                        self.left.extend(values[::channels])
                else:
                    self.video_frames += 1
                    self.sizes.add("%dx%d" % (frame.width, frame.height))
        except MediaStreamError:
            pass

    def summary(self):
        rate = self.rate or 48000
        return {"event": "summary", "audioFrames": self.audio_frames, "videoFrames": self.video_frames,
                "videoSizes": sorted(self.sizes), "audioRate": rate,
                "peakFrequency": peak_frequency(self.left, rate) if self.left else 0.0,
                "power880": goertzel(self.left, rate, 880) if self.left else 0.0,
                "power440": goertzel(self.left, rate, 440) if self.left else 0.0}


async def answer(signaling, pc, out, analysis):
    @pc.on("track")
    def on_track(track):
        out.write(json.dumps({"event": "track", "kind": track.kind}) + "\n")
        pc.addTrack(track)  # echo: aiortc decodes and re-encodes what it received

    await answer_until_bye(pc, signaling)
    out.write(json.dumps(analysis.summary()) + "\n")


async def offer(signaling, pc, out, analysis, codec):
    pc.addTrack(Tone())
    video = pc.addTransceiver(Pattern(), direction="sendrecv")
    codecs = [c for c in RTCRtpSender.getCapabilities("video").codecs
              if c.mimeType.lower() in ("video/%s" % codec.lower(), "video/rtx")]
    video.setCodecPreferences(codecs)
    tasks = []

    @pc.on("track")
    def on_track(track):
        out.write(json.dumps({"event": "track", "kind": track.kind}) + "\n")
        tasks.append(asyncio.ensure_future(analysis.consume(track)))

    await pc.setLocalDescription(await pc.createOffer())
    await signaling.send(pc.localDescription)
    obj = await signaling.receive()
    await pc.setRemoteDescription(obj)
    deadline = time.time() + 30
    while time.time() < deadline and (analysis.audio_frames < 150 or analysis.video_frames < 60):
        await asyncio.sleep(0.1)
    out.write(json.dumps(analysis.summary()) + "\n")
    out.flush()
    await signaling.send(BYE)


async def main():
    role, host, port, outfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    codec = sys.argv[5] if len(sys.argv) > 5 else "VP8"
    signaling = TcpSocketSignaling(host, port)
    pc = RTCPeerConnection()
    analysis = Analysis()
    with open(outfile, "w", buffering=1) as out:
        if role == "answer":
            await connect_with_retry(signaling)
            await answer(signaling, pc, out, analysis)
        else:
            await offer(signaling, pc, out, analysis, codec)
    await pc.close()
    await signaling.close()


asyncio.run(main())

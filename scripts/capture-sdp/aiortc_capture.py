#!/usr/bin/env python3
"""Captures real SDP offers and answers produced by aiortc (pinned in README.md) into the fixtures directory.

Two local RTCPeerConnections negotiate (1) audio + video + a data channel and (2) a data channel only. Gathering
runs on the machine's interfaces (run inside `unshare -n` with only loopback up so nothing leaves the machine and
the fixtures do not leak real addresses).
"""
import asyncio
import pathlib
import sys

from aiortc import RTCPeerConnection
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

OUT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "Tests/RTCWireTests/Fixtures/SDP")


async def negotiate(name: str, media: bool) -> None:
    offerer, answerer = RTCPeerConnection(), RTCPeerConnection()
    offerer.createDataChannel("chat")
    if media:
        offerer.addTrack(AudioStreamTrack())
        offerer.addTrack(VideoStreamTrack())

    await offerer.setLocalDescription(await offerer.createOffer())
    await answerer.setRemoteDescription(offerer.localDescription)
    if media:
        for transceiver in answerer.getTransceivers():
            if transceiver.kind == "audio":
                answerer.addTrack(AudioStreamTrack())
            elif transceiver.kind == "video":
                answerer.addTrack(VideoStreamTrack())
    await answerer.setLocalDescription(await answerer.createAnswer())

    (OUT / f"aiortc_{name}_offer.sdp").write_bytes(offerer.localDescription.sdp.encode())
    (OUT / f"aiortc_{name}_answer.sdp").write_bytes(answerer.localDescription.sdp.encode())
    await offerer.close()
    await answerer.close()


async def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    await negotiate("av_data", media=True)
    await negotiate("data", media=False)


asyncio.run(main())

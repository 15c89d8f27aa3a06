"""Shared by the peer scripts: keep aiortc on loopback, and connect aiortc's signaling with retries."""
import asyncio

import aioice.ice
from aiortc import RTCSessionDescription
from aiortc.contrib.signaling import BYE


def restrict_to_loopback():
    """aiortc's host candidates become 127.0.0.1 only, so tests never send beyond loopback."""
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


async def connect_with_retry(signaling, attempts=900):
    """aiortc's socket signaling connects once without retrying: retry (up to 90 s, for loaded CI machines) until the
    AsyncRTC side listens."""
    for _ in range(attempts):
        try:
            await signaling._connect(False)
            return
        except OSError:
            await asyncio.sleep(0.1)


async def answer_until_bye(pc, signaling, stop=None):
    """Takes the AsyncRTC side's descriptions, answering its offers, until it says bye or hangs up (or `stop`, an
    asyncio.Event, is set)."""
    while stop is None or not stop.is_set():
        obj = await signaling.receive()
        if isinstance(obj, RTCSessionDescription):
            await pc.setRemoteDescription(obj)
            if obj.type == "offer":
                await pc.setLocalDescription(await pc.createAnswer())
                await signaling.send(pc.localDescription)
        elif obj is BYE or obj is None:
            return

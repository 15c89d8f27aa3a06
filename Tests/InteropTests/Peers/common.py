"""Shared by the peer scripts: keep aiortc on loopback, and connect aiortc's signaling with retries."""
import asyncio

import aioice.ice


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

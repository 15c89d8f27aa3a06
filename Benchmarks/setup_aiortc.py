"""aiortc's side of benchmark scenario 2: createOffer to an open data channel, two peer connections in one
process over loopback. Prints one line per connection in milliseconds, then the median and p95."""
import asyncio
import statistics
import sys
import time

import os

from aiortc import RTCPeerConnection

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "InteropTests", "Peers"))
from common import restrict_to_loopback  # noqa: E402

restrict_to_loopback()


async def one():
    a, b = RTCPeerConnection(), RTCPeerConnection()
    opened = asyncio.Event()
    start = time.monotonic()
    channel = a.createDataChannel("bench")
    channel.on("open", opened.set)
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)
    await opened.wait()
    ms = (time.monotonic() - start) * 1000
    await a.close()
    await b.close()
    return ms


async def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    samples = []
    for _ in range(count):
        samples.append(await one())
        print("%.2f" % samples[-1], flush=True)
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(-(-len(ordered) * 95 // 100)) - 1)]
    print("median %.2f ms p95 %.2f ms" % (statistics.median(samples), p95))


asyncio.run(main())

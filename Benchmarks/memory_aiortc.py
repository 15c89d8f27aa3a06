"""aiortc's side of benchmark scenario 3: N connected peer connections (N/2 pairs over loopback, each with one open
data channel) in one process; time to establish all and resident memory added per connection. The baseline is
taken after one warm-up pair connected and closed, as in bench-memory.
    memory_aiortc.py [CONNECTIONS] [CONCURRENCY]"""
import asyncio
import os
import sys
import time

from aiortc import RTCPeerConnection

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "InteropTests", "Peers"))
from common import restrict_to_loopback  # noqa: E402

restrict_to_loopback()


def resident_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def connect_pair():
    a, b = RTCPeerConnection(), RTCPeerConnection()
    opened = asyncio.Event()
    channel = a.createDataChannel("memory")
    channel.on("open", opened.set)
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)
    await opened.wait()
    return a, b, channel


async def main():
    connections = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    a, b, _ = await connect_pair()
    await a.close()
    await b.close()
    await asyncio.sleep(0.5)
    before = resident_kib()
    start = time.monotonic()
    pairs = []
    while len(pairs) * 2 < connections:
        n = min(concurrency, (connections - len(pairs) * 2 + 1) // 2)
        pairs += await asyncio.gather(*(connect_pair() for _ in range(n)))
    elapsed = time.monotonic() - start
    await asyncio.sleep(0.5)
    after = resident_kib()
    open_channels = sum(1 for _, _, c in pairs if c.readyState == "open")
    print("connections %d open-channels %d establish %.3f s rss-before %d KiB rss-after %d KiB per-connection %.1f KiB"
          % (len(pairs) * 2, open_channels, elapsed, before, after, (after - before) / (len(pairs) * 2)), flush=True)
    for a, b, _ in pairs:
        await a.close()
        await b.close()


asyncio.run(main())

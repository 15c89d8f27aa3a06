"""aiortc's own signaling on one side of AsyncRTC's (interop test peer).

usage: signaling_peer.py tcp HOST PORT ROLE OUTFILE   |   signaling_peer.py unix PATH ROLE OUTFILE
ROLE "offer": send a real aiortc offer first (so aiortc listens), then record what comes back until "bye".
ROLE "answer": receive first (so aiortc connects), record until "bye", then send an aiortc offer, a candidate
and "bye" back.
OUTFILE gets one JSON line per message received, and "sent-offer" carrying the SDP that was sent.
"""
import asyncio
import json
import sys

from aiortc import RTCPeerConnection
from aiortc.contrib.signaling import (BYE, TcpSocketSignaling, UnixSocketSignaling, candidate_to_sdp)
from aiortc import RTCIceCandidate, RTCSessionDescription

from common import connect_with_retry


def describe(obj):
    if isinstance(obj, RTCSessionDescription):
        return {"kind": "description", "type": obj.type, "sdp": obj.sdp}
    if isinstance(obj, RTCIceCandidate):
        return {"kind": "candidate", "candidate": candidate_to_sdp(obj), "sdpMid": obj.sdpMid,
                "sdpMLineIndex": obj.sdpMLineIndex, "ip": obj.ip, "port": obj.port, "type": obj.type,
                "protocol": obj.protocol, "priority": obj.priority, "foundation": obj.foundation}
    if obj is BYE:
        return {"kind": "bye"}
    return {"kind": "none"}


async def make_offer():
    pc = RTCPeerConnection()
    pc.createDataChannel("chat")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription
    await pc.close()
    return sdp


async def record_until_bye(signaling, out):
    while True:
        obj = await signaling.receive()
        out.write(json.dumps(describe(obj)) + "\n")
        out.flush()
        if obj is BYE or obj is None:
            return


async def main():
    if sys.argv[1] == "tcp":
        signaling = TcpSocketSignaling(sys.argv[2], int(sys.argv[3]))
        role, outfile = sys.argv[4], sys.argv[5]
    else:
        signaling = UnixSocketSignaling(sys.argv[2])
        role, outfile = sys.argv[3], sys.argv[4]
    await signaling.connect()
    with open(outfile, "w") as out:
        if role == "offer":
            offer = await make_offer()
            await signaling.send(offer)
            out.write(json.dumps({"kind": "sent-offer", "sdp": offer.sdp}) + "\n")
            out.flush()
            await record_until_bye(signaling, out)
        else:
            await connect_with_retry(signaling)
            await record_until_bye(signaling, out)
            offer = await make_offer()
            await signaling.send(offer)
            out.write(json.dumps({"kind": "sent-offer", "sdp": offer.sdp}) + "\n")
            candidate = RTCIceCandidate(component=1, foundation="abc", ip="10.0.0.2", port=5000,
                                        priority=2130706431, protocol="udp", type="host",
                                        sdpMid="0", sdpMLineIndex=0)
            await signaling.send(candidate)
            await signaling.send(BYE)
    await signaling.close()


asyncio.run(main())

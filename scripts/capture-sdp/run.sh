#!/bin/sh
# Re-captures every SDP fixture: aiortc (venv in /tmp, version pinned in the fixtures README) and headless Chromium,
# both inside a private network namespace.   usage: scripts/capture-sdp/run.sh   (as root, from the repo root)
set -e
cd "$(dirname "$0")/../.."
out=Tests/RTCWireTests/Fixtures/SDP
[ -x /tmp/sdp-venv/bin/python ] || { python3 -m venv /tmp/sdp-venv && /tmp/sdp-venv/bin/pip install aiortc==1.16.0; }
unshare -n scripts/capture-sdp/netns.sh /tmp/sdp-venv/bin/python scripts/capture-sdp/aiortc_capture.py "$out"
unshare -n scripts/capture-sdp/netns.sh python3 scripts/capture-sdp/chromium_capture.py "$out"
python3 scripts/capture-sdp/make_variants.py "$out"

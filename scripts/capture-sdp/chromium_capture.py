#!/usr/bin/env python3
"""Captures real SDPs from headless Chromium (Debian's `chromium` package) into the fixtures directory.

Starts Chromium with --remote-debugging-pipe, evaluates chromium_capture.js in a blank page through the DevTools
protocol, and writes the offers, answers and trickled candidate lines it returns. Run it through run.sh, which puts
Chromium in a private network namespace (loopback and a veth pair only) so nothing leaves the machine.
"""
import json
import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
OUT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "Tests/RTCWireTests/Fixtures/SDP")

# DevTools over a pipe: Chromium reads NUL-terminated JSON commands on fd 3 and writes replies on fd 4.
to_chrome_r, to_chrome_w = os.pipe()
from_chrome_r, from_chrome_w = os.pipe()


def child_fds():
    os.dup2(to_chrome_r, 3)
    os.dup2(from_chrome_w, 4)


proc = subprocess.Popen(
    ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--user-data-dir=/tmp/sdp-chromium-profile",
     "--remote-debugging-pipe", "about:blank"],
    preexec_fn=child_fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.close(to_chrome_r)
os.close(from_chrome_w)
buffer = b""
next_id = 0


def call(method, params=None, session=None):
    global buffer, next_id
    next_id += 1
    message = {"id": next_id, "method": method, "params": params or {}}
    if session:
        message["sessionId"] = session
    os.write(to_chrome_w, json.dumps(message).encode() + b"\0")
    while True:
        while b"\0" not in buffer:
            chunk = os.read(from_chrome_r, 1 << 16)
            if not chunk:
                sys.exit("chromium closed the pipe")
            buffer += chunk
        raw, buffer = buffer.split(b"\0", 1)
        reply = json.loads(raw)
        if reply.get("id") == next_id:
            if "error" in reply:
                sys.exit(f"{method}: {reply['error']}")
            return reply["result"]


try:
    targets = call("Target.getTargets")["targetInfos"]
    page = next(t for t in targets if t["type"] == "page")
    session = call("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
    evaluated = call("Runtime.evaluate", {"expression": (HERE / "chromium_capture.js").read_text(),
                                          "awaitPromise": True, "returnByValue": True}, session)
    result = json.loads(evaluated["result"]["value"])
finally:
    proc.kill()
    proc.wait()

if "error" in result:
    sys.exit("page error: " + result["error"])
OUT.mkdir(parents=True, exist_ok=True)
for key, value in result.items():
    if key.endswith("_offer") or key.endswith("_answer"):
        (OUT / f"chromium_{key}.sdp").write_bytes(value.encode())
(OUT / "chromium_candidates.txt").write_text("".join(line + "\n" for line in result["candidates"]))
print(result["userAgent"])

#!/usr/bin/env python3
"""Headless Chromium against AsyncRTC's webrtc-server example.

Run by scripts/browser-tests inside a loopback-only network namespace (nothing leaves the machine). Starts the
server (with --play-from a generated tone and --record-to the artifacts directory), drives Chromium (Debian's
chromium + chromium-driver) through Selenium, and checks:

  data        Chromium <-> Swift echo of text, binary, empty, unicode and 64 KiB messages, contents compared,
              both roles: the browser offers (POST /offer) and the server offers (GET /offer, POST /answer).
  trickle     Firefox-style: the browser offers without candidates and trickles only host candidates renamed
              <uuid>.local (nobody resolves them): the server connects through a peer-reflexive candidate.
              The server-offers case trickles the browser's answer too.
  media       the fake camera and microphone to Swift and back, VP8 + Opus (echo, edges transform) and VP9 + PCMU
              (a file played back, grayscale) forced from the page: in the page getStats() shows framesDecoded
              increasing and inbound audio at 45-55 packets/s with energy; the server (GET /stats) decoded the
              video at the fake camera's resolution; its recordings are an IVF of the right codec starting at a
              key frame (and Ogg Opus when Opus is used).
  screenshot  both videos play; screenshots of the two video elements are not uniform (luma standard deviation
              from the PNG itself). The page is saved into the artifacts directory, and with --screenshot also
              there (the README's picture); a failed case leaves its screenshot, page log, console and server
              stats in the artifacts directory.

Usage: browser_tests.py --server PATH/webrtc-server [--artifacts DIR] [--screenshot docs/webrtc-server.png]
"""
import argparse
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
import wave
import zlib

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

# In a loopback-only namespace Chromium gathers no candidates unless all of these are set (and the page calls
# getUserMedia once). --no-sandbox: we run as root.
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--allow-loopback-in-peer-connection",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--window-size=1000,900",
]

MESSAGES = [
    {"name": "text", "kind": "text", "text": "hello from Chromium"},
    {"name": "binary", "kind": "binary", "length": 1000},
    {"name": "empty text", "kind": "text", "text": ""},
    {"name": "empty binary", "kind": "binary", "length": 0},
    {"name": "unicode", "kind": "text", "text": "héllo wörld — 日本語 🎉 \u0000 ∑"},
    {"name": "64 KiB binary", "kind": "binary", "length": 65536},
    {"name": "64 KiB text", "kind": "text", "text": "0123456789abcdef" * 4096},
]


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Server:
    """The webrtc-server example on a free port, loopback candidates on."""

    def __init__(self, binary, log_path, extra_args):
        # Its output goes straight to the log file: a pipe nobody reads would fill up and block the server.
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.process = subprocess.Popen([binary, "--port", "0", "--loopback-candidates", "--verbose"] + extra_args,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        self.url = None
        while time.time() < deadline and self.process.poll() is None:
            with open(log_path) as f:
                match = re.search(r"listening on (http://\S+)", f.read())
            if match:
                self.url = match.group(1)
                break
            time.sleep(0.1)
        if not self.url:
            self.stop()
            raise Failure("webrtc-server did not start (see its log)")

    def stats(self):
        with urllib.request.urlopen(self.url + "/stats", timeout=30) as response:
            return json.load(response)

    def session(self, session_id):
        for session in self.stats()["sessions"]:
            if session["id"] == session_id:
                return session
        return None

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class Browser:
    def __init__(self, artifacts):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        self.profile = tempfile.mkdtemp(prefix="asyncrtc-chromium-")
        for flag in CHROMIUM_FLAGS + ["--user-data-dir=" + self.profile]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(executable_path=CHROMEDRIVER, log_output=os.path.join(artifacts, "chromedriver.log"))
        self.driver = webdriver.Chrome(service=service, options=options)
        # Hang bounds (not speed checks): a page call or a page load that takes this long is stuck.
        self.driver.set_script_timeout(60)
        self.driver.set_page_load_timeout(60)

    def open(self, url):
        self.driver.get(url)

    def call(self, function, *args):
        """Awaits window.app[function](...args) in the page and returns its result (or raises its error)."""
        script = """
            const done = arguments[arguments.length - 1];
            window.app[arguments[0]](...arguments[1])
                .then((value) => done({ ok: true, value }), (error) => done({ ok: false, error: String(error) }));
        """
        if function == "pixels":
            return self.driver.execute_script("return window.app.pixels()")
        result = self.driver.execute_async_script(script, function, list(args))
        if not result["ok"]:
            raise Failure("page: app.%s failed: %s" % (function, result["error"]))
        return result["value"]

    def console(self):
        try:
            return "\n".join(entry["message"] for entry in self.driver.get_log("browser"))
        except Exception:  # not every driver keeps the log
            return ""

    def element_png(self, element_id):
        """A screenshot of one element of the page, as PNG bytes."""
        return self.driver.find_element(By.ID, element_id).screenshot_as_png

    def page_log(self):
        try:
            return self.driver.execute_script("return document.getElementById('log').textContent")
        except Exception:
            return ""

    def screenshot(self, path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.driver.save_screenshot(path)

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def wait_for(what, probe, timeout=30, interval=0.25):
    deadline = time.time() + timeout
    value = probe()
    while not value and time.time() < deadline:
        time.sleep(interval)
        value = probe()
    check(value, "timed out waiting for " + what)
    return value


# --- Pictures: a minimal PNG reader (8-bit RGB/RGBA, not interlaced: what Chromium's screenshots are) -----------

def png_pixels(data):
    """(width, height, channels, rows of bytes) of a PNG, unfiltered."""
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
    width, height, depth, color, _, _, interlace = header
    check(depth == 8 and color in (2, 6) and interlace == 0, "unexpected PNG format %s" % (header,))
    channels = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = previous[i], (previous[i - channels] if i >= channels else 0)
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        previous = line
    return width, height, channels, rows


def luma_stddev(png):
    """How far from uniform a picture is: the standard deviation of luma over every 4th pixel of every 4th row."""
    width, height, channels, rows = png_pixels(png)
    values = []
    for y in range(0, height, 4):
        row = rows[y]
        for x in range(0, width, 4):
            i = x * channels
            values.append(0.299 * row[i] + 0.587 * row[i + 1] + 0.114 * row[i + 2])
    mean = sum(values) / len(values)
    return (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5


# --- Recordings (--record-to) ---------------------------------------------------------------------------------

def ivf_summary(path):
    """(fourcc, width, height, frames, first frame is a key frame) of an IVF file, reading every frame header."""
    with open(path, "rb") as f:
        data = f.read()
    check(len(data) >= 32 and data[:4] == b"DKIF", "%s is not an IVF file" % path)
    fourcc, width, height = data[8:12].decode("ascii", "replace"), *struct.unpack("<HH", data[12:16])
    pos, frames, first_key = struct.unpack("<H", data[6:8])[0], 0, None
    while pos + 12 <= len(data):
        size = struct.unpack("<I", data[pos:pos + 4])[0]
        if pos + 12 + size > len(data):
            break  # the frame being written
        if first_key is None and size:
            first = data[pos + 12]
            # VP8: bit 0 of the frame tag is 0 for a key frame (RFC 6386 §9.1). VP9: frame_type after the marker,
            # profile and show_existing_frame bits (VP9 bitstream §6.2; profiles 0-2).
            first_key = (first & 1) == 0 if fourcc == "VP80" else (first & 0x04) == 0
        frames += 1
        pos += 12 + size
    return fourcc, width, height, frames, first_key


def check_recordings(session, video_fourcc, audio_recorded):
    files = {os.path.splitext(f["path"])[1]: f for f in session.get("recordings") or []}
    check(".ivf" in files, "the server did not record the video: %s" % session.get("recordings"))
    check((".ogg" in files) == audio_recorded, "audio recording %s, expected %s" % (sorted(files), audio_recorded))
    for f in files.values():
        check(f["framesWritten"] > 0 and not f.get("error"), "recording %s" % f)
    fourcc, width, height, frames, first_key = ivf_summary(files[".ivf"]["path"])
    check(fourcc == video_fourcc and frames > 0 and first_key, "the IVF recording holds %s %dx%d, %d frames, key "
          "frame first: %s" % (fourcc, width, height, frames, first_key))
    summary = "recorded %s %dx%d (%d frames)" % (fourcc, width, height, frames)
    if audio_recorded:
        with open(files[".ogg"]["path"], "rb") as f:
            head = f.read(4096)
        check(head[:4] == b"OggS" and b"OpusHead" in head and b"OpusTags" in head, "the Ogg recording is not Opus")
        summary += " and Opus (%d packets)" % files[".ogg"]["framesWritten"]
    return summary


def write_tone(path, seconds=2, frequency=660):
    """A WAV file (48 kHz mono s16) for --play-from."""
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * frequency * n / 48000)))
                               for n in range(48000 * seconds)))


# --- Cases -----------------------------------------------------------------------------------------------------

def check_echo(browser):
    results = browser.call("echo", MESSAGES)
    bad = [r for r in results if not r["ok"]]
    check(len(results) == len(MESSAGES) and not bad, "echo mismatches: %s" % json.dumps(bad))
    return "%d messages echoed intact" % len(results)


def wait_connected(server, session_id):
    return wait_for("the server's connection %s" % session_id,
                    lambda: (lambda s: s if s and s["connectionState"] == "connected" else None)(
                        server.session(session_id)))


def case_data_server_offers(browser, server):
    """Swift offers a data channel (GET /offer); the browser answers without candidates and trickles them."""
    browser.open(server.url)
    started = browser.call("start", {"role": "server", "ping": False, "trickle": "trickle"})
    summary = check_echo(browser)
    session = server.session(started["id"])
    check(session and session["media"]["messagesReceived"] >= len(MESSAGES),
          "the server did not count the messages: %s" % session)
    sample = browser.call("sample")
    check(sample["sentSdpCandidates"] == 0 and sample["trickled"] > 0,
          "the answer was not trickled: %s" % sample)
    browser.call("stop")
    return "server offers, browser trickles %d candidates: %s" % (sample["trickled"], summary)


def case_data_mdns(browser, server):
    """Firefox-style: the browser offers without candidates, then trickles only host candidates named
    <uuid>.local, which nobody here resolves: the server connects to the address the browser's checks come from."""
    browser.open(server.url)
    started = browser.call("start", {"role": "browser", "media": False, "ping": False, "trickle": "mdns"})
    summary = check_echo(browser)
    sample = browser.call("sample")
    check(sample["sentSdpCandidates"] == 0 and sample["trickled"] > 0, "not trickled: %s" % sample)
    session = wait_connected(server, started["id"])
    check((session.get("remoteCandidate") or "").startswith("prflx "),
          "the server's pair in use has remote candidate %s, expected a peer-reflexive one" % session.get("remoteCandidate"))
    browser.call("stop")
    return "%d mDNS-only candidates trickled, server connected through %s: %s" % (
        sample["trickled"], session["remoteCandidate"], summary)


def case_media(browser, server, artifacts, codec, audio_codec, audio, transform, echo=False, screenshot=None):
    browser.open(server.url)
    started = browser.call("start", {"role": "browser", "codec": codec, "audioCodec": audio_codec,
                                     "transform": transform, "audio": audio, "ping": True})
    summary = []
    if echo:
        summary.append("browser offers: " + check_echo(browser))
    wait_for("the browser to decode returned video", lambda: browser.call("sample")["videoFramesDecoded"] > 10)
    first = browser.call("sample")
    time.sleep(3)
    second = browser.call("sample")
    seconds = (second["time"] - first["time"]) / 1000
    frames = second["videoFramesDecoded"] - first["videoFramesDecoded"]
    audio_rate = (second["audioPacketsReceived"] - first["audioPacketsReceived"]) / seconds
    if frames <= 0:  # a slow machine: wait (a hang bound, not a speed check) for the count to move
        wait_for("framesDecoded to increase from %d" % first["videoFramesDecoded"],
                 lambda: browser.call("sample")["videoFramesDecoded"] > first["videoFramesDecoded"])
    check(second["videoCodec"] == "video/" + codec, "the page decodes %s, not %s" % (second["videoCodec"], codec))
    check(second["audioCodec"].lower() == "audio/" + audio_codec.lower(),
          "the page's audio codec is %s, not %s" % (second["audioCodec"], audio_codec))
    check(45 <= audio_rate <= 55, "inbound audio at %.1f packets/s, expected 45-55" % audio_rate)
    check(second["audioEnergy"] > first["audioEnergy"], "the audio coming back is silent: %s" % second)

    check(server.session(started["id"]) is not None, "the server has no session %s" % started["id"])
    # Frames counted after the transform: a loaded debug build transforms slowly, so wait for them (a hang bound).
    session = wait_for("Swift to decode 30 video and 50 audio frames", lambda: (lambda s: s if s and (
        s["media"]["videoFramesDecoded"] > 30 and s["media"]["audioFramesDecoded"] > 50) else None)(
            server.session(started["id"])))
    media = session["media"]
    size = "%dx%d" % (second["localWidth"], second["localHeight"])
    check(size in media["videoSizes"], "Swift decoded %s, the fake camera sends %s" % (media["videoSizes"], size))
    check(session.get("videoCodec") in (None, "video/" + codec), "Swift sends %s" % session.get("videoCodec"))
    check(second["pongs"] > 0, "no pong came back for the page's pings")

    # Both videos play: the page's own view of them, then the screenshot itself (each video element's pixels).
    wait_for("both videos to play", lambda: all(v["playing"] for v in browser.call("pixels").values()), timeout=30)
    slug = "%s-%s" % (codec.lower(), audio_codec.lower())
    page_png = os.path.join(artifacts, "page-%s.png" % slug)
    browser.screenshot(page_png)
    deviations = {}
    for element in ("local-video", "remote-video"):
        deviations[element] = luma_stddev(browser.element_png(element))
        check(deviations[element] > 4, "%s is uniform in the screenshot (luma stddev %.1f; see %s)" % (
            element, deviations[element], page_png))
    if screenshot:
        shutil.copyfile(page_png, screenshot)
    # Recording starts at the first decoded frame and the IVF at the next key frame: wait for both to be written.
    session = wait_for("the recordings to start", lambda: (lambda s: s if s and len(
        [f for f in s.get("recordings") or [] if f["framesWritten"] > 0]) >= (2 if audio_codec.lower() == "opus" else 1)
        else None)(server.session(started["id"])))
    summary.append(check_recordings(session, {"VP8": "VP80", "VP9": "VP90"}[codec], audio_codec.lower() == "opus"))
    summary.append("%s+%s (%s back, %s): %d frames decoded in %.1f s at %dx%d (Swift: %s, %d frames), audio %.1f "
                   "packets/s, RTT %s s, screenshot luma stddev %.0f/%.0f" % (
                       codec, audio_codec, audio, transform, frames, seconds, second["videoWidth"], second["videoHeight"], size,
                       media["videoFramesDecoded"], audio_rate, second["rtt"],
                       deviations["local-video"], deviations["remote-video"]))
    browser.call("stop")
    return "; ".join(summary)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True, help="path of the built webrtc-server")
    parser.add_argument("--artifacts", default=".build/browser-artifacts")
    parser.add_argument("--screenshot", help="also save the VP8 page's screenshot here (e.g. docs/webrtc-server.png)")
    args = parser.parse_args()
    artifacts = os.path.abspath(args.artifacts)
    os.makedirs(artifacts, exist_ok=True)
    tone = os.path.join(artifacts, "tone.wav")
    write_tone(tone)

    server = Server(args.server, os.path.join(artifacts, "webrtc-server.log"),
                    ["--play-from", tone, "--record-to", os.path.join(artifacts, "recordings")])
    browser = None
    failures = 0
    try:
        browser = Browser(artifacts)
        cases = [
            ("data, browser offers, mDNS trickle", lambda: case_data_mdns(browser, server)),
            ("media + data, VP8, Opus, echo", lambda: case_media(browser, server, artifacts, "VP8", "opus", "echo",
                                                                 "edges", echo=True, screenshot=args.screenshot)),
            ("media, VP9, PCMU, file played", lambda: case_media(browser, server, artifacts, "VP9", "PCMU", "file",
                                                                 "grayscale")),
            ("data, server offers, trickle", lambda: case_data_server_offers(browser, server)),
        ]
        for name, run in cases:
            started = time.time()
            try:
                detail = run()
                print("PASS %-34s %5.1f s  %s" % (name, time.time() - started, detail), flush=True)
            except Exception as error:  # a failed check, a page error, a WebDriver error
                failures += 1
                print("FAIL %-34s %5.1f s  %s" % (name, time.time() - started, error), flush=True)
                if not isinstance(error, Failure):
                    traceback.print_exc()
                slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
                try:
                    browser.screenshot(os.path.join(artifacts, slug + ".png"))
                    with open(os.path.join(artifacts, slug + ".console.txt"), "w") as f:
                        f.write(browser.console())
                    with open(os.path.join(artifacts, slug + ".page-log.txt"), "w") as f:
                        f.write(browser.page_log())
                    with open(os.path.join(artifacts, slug + ".server-stats.json"), "w") as f:
                        json.dump(server.stats(), f, indent=2)
                except Exception as artifact_error:
                    print("  (could not save artifacts: %s)" % artifact_error)
                try:
                    browser.call("stop")
                except Exception:
                    pass
    finally:
        if browser:
            browser.quit()
        server.stop()
    if failures:
        print("browser tests: %d case(s) failed; artifacts (screenshots, logs) in %s" % (failures, artifacts))
        return 1
    print("browser tests: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

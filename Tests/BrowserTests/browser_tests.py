#!/usr/bin/env python3
"""Headless Chromium against AsyncRTC's webrtc-server example.

Run by scripts/browser-tests inside a loopback-only network namespace (nothing leaves the machine). Starts the
server, drives Chromium (Debian's chromium + chromium-driver) through Selenium, and checks:

  data        Chromium <-> Swift echo of text, binary, empty, unicode and 64 KiB messages, contents compared,
              both roles: the browser offers (POST /offer) and the server offers (GET /offer, POST /answer).
  media       the fake camera and microphone to Swift and back, VP8 and VP9 each forced once, Opus: in the
              page getStats() shows framesDecoded increasing and inbound audio at 45-55 packets/s; the server
              (GET /stats) decoded the video at the fake camera's resolution.
  screenshot  both videos play and are not uniform; the page is saved as a PNG (always with --screenshot,
              and into the artifacts directory when a case fails).

Usage: browser_tests.py --server PATH/webrtc-server [--artifacts DIR] [--screenshot docs/webrtc-server.png]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

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
    "--window-size=1000,760",
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

    def __init__(self, binary, log_path):
        self.log = open(log_path, "w")
        self.process = subprocess.Popen([binary, "--port", "0", "--loopback-candidates"], stdout=subprocess.PIPE,
                                        stderr=self.log, text=True)
        deadline = time.time() + 30
        self.url = None
        while time.time() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.log.write(line)
            match = re.search(r"listening on (http://\S+)", line)
            if match:
                self.url = match.group(1)
                break
        if not self.url:
            self.stop()
            raise Failure("webrtc-server did not start (see its log)")

    def stats(self):
        with urllib.request.urlopen(self.url + "/stats", timeout=5) as response:
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
        rest = self.process.stdout.read() if self.process.stdout else ""
        self.log.write(rest or "")
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
        self.driver.set_script_timeout(60)

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

    def screenshot(self, path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.driver.save_screenshot(path)

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def wait_for(what, probe, timeout=20, interval=0.25):
    deadline = time.time() + timeout
    value = probe()
    while not value and time.time() < deadline:
        time.sleep(interval)
        value = probe()
    check(value, "timed out waiting for " + what)
    return value


def check_echo(browser):
    results = browser.call("echo", MESSAGES)
    bad = [r for r in results if not r["ok"]]
    check(len(results) == len(MESSAGES) and not bad, "echo mismatches: %s" % json.dumps(bad))
    return "%d messages echoed intact" % len(results)


def case_data_server_offers(browser, server):
    browser.open(server.url)
    started = browser.call("start", {"role": "server", "ping": False})
    summary = check_echo(browser)
    session = server.session(started["id"])
    check(session and session["media"]["messagesReceived"] >= len(MESSAGES),
          "the server did not count the messages: %s" % session)
    browser.call("stop")
    return "server offers: " + summary


def case_media(browser, server, codec, screenshot=None):
    browser.open(server.url)
    started = browser.call("start", {"role": "browser", "codec": codec, "transform": "none", "ping": True})
    summary = []
    if codec == "VP8":
        summary.append("browser offers: " + check_echo(browser))
    wait_for("the browser to decode returned video", lambda: browser.call("sample")["videoFramesDecoded"] > 10)
    first = browser.call("sample")
    time.sleep(3)
    second = browser.call("sample")
    seconds = (second["time"] - first["time"]) / 1000
    frames = second["videoFramesDecoded"] - first["videoFramesDecoded"]
    audio_rate = (second["audioPacketsReceived"] - first["audioPacketsReceived"]) / seconds
    check(frames > 0, "framesDecoded did not increase: %s -> %s" % (first, second))
    check(second["videoCodec"] == "video/" + codec, "the page decodes %s, not %s" % (second["videoCodec"], codec))
    check(second["audioCodec"] == "audio/opus", "the page's audio codec is %s" % second["audioCodec"])
    check(45 <= audio_rate <= 55, "inbound audio at %.1f packets/s, expected 45-55" % audio_rate)

    session = server.session(started["id"])
    check(session is not None, "the server has no session %s" % started["id"])
    media = session["media"]
    size = "%dx%d" % (second["localWidth"], second["localHeight"])
    check(size in media["videoSizes"], "Swift decoded %s, the fake camera sends %s" % (media["videoSizes"], size))
    check(media["videoFramesDecoded"] > 30, "Swift decoded only %d video frames" % media["videoFramesDecoded"])
    check(media["audioFramesDecoded"] > 50, "Swift decoded only %d audio frames" % media["audioFramesDecoded"])
    check(session.get("videoCodec") in (None, "video/" + codec), "Swift sends %s" % session.get("videoCodec"))

    pixels = wait_for("both videos to play", lambda: (lambda p: p if all(v["playing"] for v in p.values()) else None)(
        browser.call("pixels")), timeout=10)
    for name, picture in pixels.items():
        check(picture["stddev"] > 4, "%s is uniform: %s" % (name, picture))
    check(second["pongs"] > 0, "no pong came back for the page's pings")
    if screenshot:
        browser.screenshot(screenshot)
    summary.append("%s: %d frames decoded in %.1f s at %dx%d (Swift: %s, %d frames), audio %.1f packets/s, "
                   "RTT %s s, pictures stddev %.0f/%.0f" % (
                       codec, frames, seconds, second["videoWidth"], second["videoHeight"], size,
                       media["videoFramesDecoded"], audio_rate, second["rtt"],
                       pixels["local-video"]["stddev"], pixels["remote-video"]["stddev"]))
    browser.call("stop")
    return "; ".join(summary)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True, help="path of the built webrtc-server")
    parser.add_argument("--artifacts", default=".build/browser-artifacts")
    parser.add_argument("--screenshot", help="also save the VP8 page's screenshot here (e.g. docs/webrtc-server.png)")
    args = parser.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)

    server = Server(args.server, os.path.join(args.artifacts, "webrtc-server.log"))
    browser = None
    failures = 0
    try:
        browser = Browser(args.artifacts)
        cases = [
            # First, on a fresh browser: once run after the media pages it has timed out (1 run in 5) with no
            # request reaching the server (not understood yet).
            ("data, server offers", lambda: case_data_server_offers(browser, server)),
            ("media + data, browser offers, VP8", lambda: case_media(browser, server, "VP8", args.screenshot)),
            ("media, browser offers, VP9", lambda: case_media(browser, server, "VP9")),
        ]
        for name, run in cases:
            started = time.time()
            try:
                detail = run()
                print("PASS %-36s %5.1f s  %s" % (name, time.time() - started, detail), flush=True)
            except Exception as error:  # a failed check, a page error, a WebDriver error
                failures += 1
                print("FAIL %-36s %5.1f s  %s" % (name, time.time() - started, error), flush=True)
                if not isinstance(error, Failure):
                    traceback.print_exc()
                slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
                try:
                    browser.screenshot(os.path.join(args.artifacts, slug + ".png"))
                    with open(os.path.join(args.artifacts, slug + ".console.txt"), "w") as f:
                        f.write(browser.console())
                    with open(os.path.join(args.artifacts, slug + ".server-stats.json"), "w") as f:
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
        print("browser tests: %d case(s) failed; artifacts in %s" % (failures, args.artifacts))
        return 1
    print("browser tests: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

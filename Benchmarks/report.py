"""Turns scripts/bench's raw per-run lines into medians and ratios: Benchmarks/results/<scenario>.json for each
scenario that ran, then Benchmarks/results/summary.json and summary.md from every scenario file present (a
scenario not run this time keeps its last result, with its own date).
    report.py WORKDIR RUNS MEGABYTES MACHINE"""
import glob
import json
import os
import re
import statistics
import sys
import time

work, runs, megabytes, machine = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
results = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
date = time.strftime("%Y-%m-%d", time.gmtime())


def lines(name):
    path = os.path.join(work, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def number(text, key):
    m = re.search(re.escape(key) + r" ([-0-9.]+)", text)
    return float(m.group(1)) if m else None


def med(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def save(name, data):
    data.update({"scenario": name, "date": date, "machine": machine, "runs": runs})
    with open(os.path.join(results, name + ".json"), "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


def bulk_runs(name):
    """Scenario 1's lines: MB/s, then (since the mixed runs) CPU seconds per MiB of the sender and the receiver."""
    runs_ = [[float(v) for v in x.split()] for x in lines(name)]
    return [r[0] for r in runs_], [r[1] for r in runs_ if len(r) > 2], [r[2] for r in runs_ if len(r) > 2]


s1s, s1s_send, s1s_recv = bulk_runs("s1-asyncrtc")
s1a, s1a_send, s1a_recv = bulk_runs("s1-aiortc")
if s1s:
    s, a = med(s1s), med(s1a)
    data = {"megabytes": megabytes, "asyncrtc_mb_s": s1s, "aiortc_mb_s": s1a,
            "asyncrtc_median": s, "aiortc_median": a, "ratio": round(s / a, 2), "target_ratio": 12}
    if s1s_send:
        data["cpu_s_per_mib"] = {"asyncrtc_sender": med(s1s_send), "asyncrtc_receiver": med(s1s_recv),
                                 "aiortc_sender": med(s1a_send), "aiortc_receiver": med(s1a_recv)}
    for label, name in (("asyncrtc_to_aiortc", "s1-asyncrtc-to-aiortc"), ("aiortc_to_asyncrtc", "s1-aiortc-to-asyncrtc")):
        rates, send, recv = bulk_runs(name)
        if rates:
            data[label] = {"mb_s": rates, "median": med(rates), "sender_cpu_s_per_mib": med(send),
                           "receiver_cpu_s_per_mib": med(recv)}
    save("datachannel-bulk", data)

if lines("s2-asyncrtc"):
    sm = [number(x, "median") for x in lines("s2-asyncrtc")]
    sp = [number(x, "p95") for x in lines("s2-asyncrtc")]
    am = [number(x, "median") for x in lines("s2-aiortc")]
    ap = [number(x, "p95") for x in lines("s2-aiortc")]
    save("setup-latency", {"connections_per_run": 20, "asyncrtc_median_ms_runs": sm, "asyncrtc_p95_ms_runs": sp,
                           "aiortc_median_ms_runs": am, "aiortc_p95_ms_runs": ap,
                           "asyncrtc_median_ms": med(sm), "asyncrtc_p95_ms": med(sp),
                           "aiortc_median_ms": med(am), "aiortc_p95_ms": med(ap),
                           "speedup": round(med(am) / med(sm), 2), "target_ms": 5})

memory = {}
for path in sorted(glob.glob(os.path.join(work, "s3-*-asyncrtc"))):
    n = path.split("-")[-2]
    sw, ai = lines("s3-%s-asyncrtc" % n), lines("s3-%s-aiortc" % n)
    memory[n] = {
        "asyncrtc_kib_per_connection": med([number(x, "per-connection") for x in sw]),
        "aiortc_kib_per_connection": med([number(x, "per-connection") for x in ai]),
        "asyncrtc_establish_s": med([number(x, "establish") for x in sw]),
        "aiortc_establish_s": med([number(x, "establish") for x in ai]),
        "asyncrtc_open_channels": min(number(x, "open-channels") for x in sw),
        "aiortc_open_channels": min(number(x, "open-channels") for x in ai) if ai else None,
        "asyncrtc_runs": sw, "aiortc_runs": ai,
    }
if memory:
    save("memory", {"connections": memory, "target_kib_per_connection": 100})

if lines("s4-asyncrtc-send"):
    media = {}
    for impl in ("asyncrtc", "aiortc"):
        for side in ("send", "receive"):
            rows = lines("s4-%s-%s" % (impl, side))
            media["%s_%s_cpu_percent" % (impl, side)] = med([number(x, "cpu") for x in rows])
            media["%s_%s_runs" % (impl, side)] = rows
    media["seconds"] = number(lines("s4-asyncrtc-send")[0], "seconds")
    for impl in ("asyncrtc", "aiortc"):
        media["%s_receive_video_fps" % impl] = med([number(x, "frames-video") / number(x, "seconds")
                                                    for x in lines("s4-%s-receive" % impl)])
    media["target_send_percent"], media["target_receive_percent"] = 10, 4
    save("media-cpu", media)

if lines("s5"):
    by_profile = {}
    for row in map(json.loads, lines("s5")):
        by_profile.setdefault(row.pop("profile"), []).append(row)
    srtp = {}
    for profile, rows in by_profile.items():
        srtp[profile] = {key: med([r[key] for r in rows]) for key in rows[0]}
    save("srtp", {"profiles": srtp, "packet_bytes": 1200, "target_ratio": 0.9})

if lines("s6-asyncrtc") or lines("s6-aiortc"):
    fanout = {}
    for impl in ("asyncrtc", "aiortc"):
        steps = [{"subscribers": int(number(x, "subscribers")), "min_fps": number(x, "min-fps"),
                  "median_fps": number(x, "median-fps"), "decoded_fps": number(x, "decoded-fps"),
                  "sfu_cpu_percent": number(x, "sfu-cpu"), "clients_cpu_percent": number(x, "clients-cpu-percent")}
                 for x in lines("s6-%s" % impl)]
        passing = [step["subscribers"] for step in steps if (step["min_fps"] or 0) >= 29]
        fanout[impl] = {"largest_n": max(passing) if passing else 0, "steps": steps,
                        "first_miss": next((step["subscribers"] for step in steps if (step["min_fps"] or 0) < 29), None)}
    save("sfu-fanout", {"implementations": fanout, "min_fps": 29, "target_n": 100})


# ---- summary from every scenario file present ----
def load(name):
    path = os.path.join(results, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def verdict(met, text):
    return ("met" if met else "**missed**") + (": " + text if text else "")


rows = []
b = load("datachannel-bulk")
if b:
    # A MB/s ratio alone flatters AsyncRTC on a loaded machine (aiortc's one Python thread loses most to the
    # load): the target counts as met only when the CPU time per MiB of both sides also shows 12x.
    cpu = b.get("cpu_s_per_mib")
    cpu_ratio = min(cpu["aiortc_sender"] / cpu["asyncrtc_sender"], cpu["aiortc_receiver"] / cpu["asyncrtc_receiver"]) if cpu else None
    bulk_met = b["ratio"] >= 12 and (cpu_ratio is None or cpu_ratio >= 12)
    rows.append(("1 data channel bulk, %d MiB, MB/s (%s)" % (b["megabytes"], b["date"]),
                 "%.1f" % b["asyncrtc_median"], "%.1f" % b["aiortc_median"], "%.1f×" % b["ratio"],
                 "≥ 12×", verdict(bulk_met, "CPU per MiB only %.1f×" % cpu_ratio if not bulk_met and cpu_ratio else "")))
    if cpu:
        rows.append(("1 bulk, CPU ms per MiB, sender / receiver",
                     "%.0f / %.0f" % (cpu["asyncrtc_sender"] * 1000, cpu["asyncrtc_receiver"] * 1000),
                     "%.0f / %.0f" % (cpu["aiortc_sender"] * 1000, cpu["aiortc_receiver"] * 1000),
                     "%.1f× / %.1f×" % (cpu["aiortc_sender"] / cpu["asyncrtc_sender"],
                                         cpu["aiortc_receiver"] / cpu["asyncrtc_receiver"]), "", ""))
    for label, title in (("asyncrtc_to_aiortc", "AsyncRTC → aiortc"), ("aiortc_to_asyncrtc", "aiortc → AsyncRTC")):
        mixed = b.get(label)
        if mixed:
            rows.append(("1 bulk, %s: MB/s, CPU ms per MiB sender / receiver" % title,
                         "%.1f MB/s, %.0f / %.0f" % (mixed["median"], mixed["sender_cpu_s_per_mib"] * 1000,
                                                     mixed["receiver_cpu_s_per_mib"] * 1000), "", "", "", ""))
s = load("setup-latency")
if s and "asyncrtc_p95_ms" in s:
    rows.append(("2 setup latency, createOffer → channel open, median / p95 ms (%s)" % s["date"],
                 "%.2f / %.2f" % (s["asyncrtc_median_ms"], s["asyncrtc_p95_ms"]),
                 "%.2f / %.2f" % (s["aiortc_median_ms"], s["aiortc_p95_ms"]), "%.1f×" % s["speedup"],
                 "≤ 5 ms", verdict(s["asyncrtc_median_ms"] <= 5, "")))
m = load("memory")
if m:
    for n, r in m["connections"].items():
        kib, akib = r["asyncrtc_kib_per_connection"], r["aiortc_kib_per_connection"]
        rows.append(("3 memory, %s connected PCs, KiB per connection (%s)" % (n, m["date"]),
                     "%.0f" % kib, "%.0f" % akib if akib is not None else "–",
                     "%.2f×" % (akib / kib) if akib else "–", "≤ 100 KiB",
                     verdict(kib <= 100, "over by %.0f KiB" % (kib - 100) if kib > 100 else "")))
        rows.append(("3 memory, %s connected PCs, seconds to establish all" % n,
                     "%.2f" % r["asyncrtc_establish_s"],
                     "%.2f" % r["aiortc_establish_s"] if r["aiortc_establish_s"] is not None else "–",
                     "%.1f×" % (r["aiortc_establish_s"] / r["asyncrtc_establish_s"]) if r["aiortc_establish_s"] else "–",
                     "", ""))
c = load("media-cpu")
if c:
    for side, target in (("send", 10), ("receive", 4)):
        sw, ai = c["asyncrtc_%s_cpu_percent" % side], c["aiortc_%s_cpu_percent" % side]
        rows.append(("4 media CPU, Opus + VP8 640x480@30, %s, %% of one core over %.0f s (%s)" % (
            "sender" if side == "send" else "receiver", c["seconds"], c["date"]),
            "%.1f" % sw, "%.1f" % ai, "%.1f×" % (ai / sw), "≤ %d %%" % target,
            verdict(sw <= target, "over by %.1f points" % (sw - target) if sw > target else "")))
r = load("srtp")
if r:
    for profile, p in r["profiles"].items():
        for op in ("protect", "unprotect"):
            ratio = p["%s_ratio" % op]
            rows.append(("5 SRTP %s %s 1200 B, k packets/s, library vs raw libsrtp (%s)" % (profile, op, r["date"]),
                         "%.0f" % (p["library_%s_pps" % op] / 1000), "raw %.0f" % (p["raw_%s_pps" % op] / 1000),
                         "%.0f %%" % (100 * ratio), "≥ 90 %", verdict(ratio >= 0.9, "")))
        rows.append(("5 SRTP %s protect, sendRTP-shaped (fresh buffer per packet)" % profile,
                     "%.0f" % (p["send_path_protect_pps"] / 1000), "raw %.0f" % (p["raw_protect_pps"] / 1000),
                     "%.0f %%" % (100 * p["send_path_ratio"]), "≥ 90 %", verdict(p["send_path_ratio"] >= 0.9, "")))

f = load("sfu-fanout")
if f:
    sw, ai = f["implementations"]["asyncrtc"], f["implementations"]["aiortc"]
    tried = " (largest tried)" if sw["first_miss"] is None else ""
    rows.append(("6 SFU fan-out, VP8 640x480@30, largest N with every subscriber ≥ 29 fps, SFU on one core (%s)"
                 % f["date"], "%d%s" % (sw["largest_n"], tried), "%d" % ai["largest_n"],
                 "%.0f×" % (sw["largest_n"] / ai["largest_n"]) if ai["largest_n"] else "–", "≥ 100",
                 verdict(sw["largest_n"] >= 100, "short by %d" % (100 - sw["largest_n"]) if sw["largest_n"] < 100
                         else "")))
md = ["| scenario | AsyncRTC | aiortc 1.16.0 | ratio | target | |", "|---|---|---|---|---|---|"]
md += ["| " + " | ".join(row) + " |" for row in rows]
md.append("")
md.append("Machine: %s. Medians of %d runs alternating AsyncRTC and aiortc; release build. Scenario 5 compares "
          "AsyncRTC with raw libsrtp in the same process (aiortc has no separate SRTP path); scenario 6 raises N once "
          "through a list per implementation (AsyncRTC forwards encoded frames, aiortc re-encodes per subscriber)."
          % (machine, runs))
with open(os.path.join(results, "summary.md"), "w") as f:
    f.write("\n".join(md) + "\n")
summary = {name: load(name) for name in ("datachannel-bulk", "setup-latency", "memory", "media-cpu", "srtp",
                                         "sfu-fanout")}
with open(os.path.join(results, "summary.json"), "w") as f:
    json.dump({k: v for k, v in summary.items() if v}, f, indent=1)
    f.write("\n")
print("\n".join(md))

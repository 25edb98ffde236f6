#!/usr/bin/env python3
"""Tables from the load generator's JSON results (Benchmarks/bench writes one file per run).

report.py DIR        side-by-side tables for every run in DIR, and DIR/results.json
report.py --one F    one line for one run

Repeated runs (Benchmarks/bench with BENCH_REPEAT) are files <series>-<N>-r<k>.json.
"""
import glob, json, os, platform, re, sys


def fmt(v, spec="{:.2f}"):
    return "-" if v is None else spec.format(v)


def delivered(r):
    if "delivered_pct" in r:
        return r["delivered_pct"]
    sent = r["streamer_packets_per_s"] * r["window_s"]
    return r["forwarded_packets"] * 100 / (sent * r["viewers"]) if sent else None


def line(r):
    d, j = r.get("delay_ms", {}), r.get("join_ms", {})
    rec = r.get("recording")
    extra = ""
    if r.get("extra_streamers"):
        extra = f"  +{r['extra_streamers']} streamers"
    if "recorder_threads_cpu_pct" in r:
        extra += f"  writer threads {r['recorder_threads_cpu_pct']:.2f}% ({r['recorder_threads']})"
    if "other_cpu_pct" in r:
        extra += f"  other load {r['other_cpu_pct']:.0f}%"
    if rec:
        extra += (f", {r['recordings']} recordings: {rec['packets_per_s']:.0f} pkt/s {rec['bytes_per_s'] * 8 / 1e6:.1f} Mbit/s "
                  f"to disk, dropped {rec['dropped']}, {rec['bytes_after_stop'] / 1e6:.1f} MB written")
    return base_line(r) + extra


def base_line(r):
    d, j = r.get("delay_ms", {}), r.get("join_ms", {})
    return ("{label:24} N={viewers:<5} cpu {cpu:>6} us/pkt  {pps:>8} pkt/s  {mbps:>7} Mbit/s  loss {loss:>6}%  "
            "late {late:>6}%  ooo {ooo:>5}%  delay p50/p99/max {d50}/{d99}/{dmax} ms  rss {rss} KiB/viewer  join p50/p99 {j50}/{j99} ms  "
            "server {scpu}% gen {gcpu}%").format(
        label=r.get("label") or r["target"], viewers=r["viewers"], cpu=fmt(r.get("cpu_us_per_packet")),
        pps=fmt(r["forwarded_packets_per_s"], "{:.0f}"), mbps=fmt(r["forwarded_bits_per_s"] / 1e6, "{:.1f}"),
        loss=fmt(r["loss_pct"], "{:.3f}"), late=fmt(max(0, 100 - delivered(r)), "{:.2f}"), ooo=fmt(r["out_of_order_pct"], "{:.3f}"),
        d50=fmt(d.get("p50")), d99=fmt(d.get("p99")), dmax=fmt(d.get("max")),
        rss=fmt(r.get("rss_per_viewer_kb"), "{:.0f}"), j50=fmt(j.get("p50"), "{:.0f}"), j99=fmt(j.get("p99"), "{:.0f}"),
        scpu=fmt(r.get("server_cpu_pct"), "{:.0f}"), gcpu=fmt(r.get("generator_cpu_pct"), "{:.0f}"))


def main():
    if sys.argv[1] == "--one":
        print("  " + line(json.load(open(sys.argv[2]))))
        return
    out = sys.argv[1]
    runs = []
    for f in sorted(glob.glob(os.path.join(out, "*.json"))):
        if os.path.basename(f) == "results.json":
            continue
        r = json.load(open(f))
        m = re.search(r"-r(\d+)\.json$", f)
        r["run"] = int(m.group(1)) if m else 1
        runs.append(r)
    series = []
    for r in runs:
        if r["label"] not in series:
            series.append(r["label"])
    order = {"bridged": 0, "bridged-rtp": 1, "bridged-nogso": 1}
    series.sort(key=lambda s: (order.get(s, 1), s))
    by = {(r["label"], r["viewers"]): r for r in runs if r["run"] == 1}
    ns = sorted({r["viewers"] for r in runs})
    cpu = open("/proc/cpuinfo").read()
    model = next((l.split(":", 1)[1].strip() for l in cpu.splitlines() if l.startswith("model name")), "?")
    machine = {"cpus": os.cpu_count(), "model": model, "kernel": platform.release()}
    json.dump({"machine": machine, "runs": runs}, open(os.path.join(out, "results.json"), "w"), indent=1, sort_keys=True)

    print(f"\nMachine: {os.cpu_count()} CPUs, {model}, Linux {platform.release()}. Server pinned to one CPU, load generator to the other.")
    pace = sorted({r["source"].get("pace_us") for r in runs})
    print(f"Stream: VP8 1280x720 30 fps ~2.4 Mbit/s + Opus ~48 kbit/s, about 325 packets/s in, to every viewer; "
          f"packets of a frame {pace} µs apart.\n")
    if "bridged" in series:
        compare(series, by, ns)
    if "bridged-rtp" in series:
        same_work(series, by, ns)
    if "bridged-10streams" in series and "bridged-10rec" in series:
        recording(runs)
    print("\n### Every run\n")
    repeated = any(r["run"] > 1 for r in runs)
    print("| series | viewers | " + ("run | " if repeated else "") + "µs/pkt | server CPU % | pkt/s out | Mbit/s out | loss % | not delivered in time % | out of order % | delay p50 / p99 / max ms | RSS KiB/viewer | join p50 / p99 ms | first video p50 ms |")
    print("|---|---|" + ("---|" if repeated else "") + "---|---|---|---|---|---|---|---|---|---|---|")
    for r in sorted(runs, key=lambda r: (series.index(r["label"]), r["viewers"], r["run"])):
        d, j, v = r.get("delay_ms", {}), r.get("join_ms", {}), r.get("first_video_ms", {})
        run = f"{r['run']} | " if repeated else ""
        print(f"| {r['label']} | {r['viewers']} | {run}{fmt(r.get('cpu_us_per_packet'))} | {fmt(r.get('server_cpu_pct'), '{:.0f}')} | "
              f"{r['forwarded_packets_per_s']:.0f} | {r['forwarded_bits_per_s'] / 1e6:.1f} | {r['loss_pct']:.3f} | "
              f"{fmt(max(0, 100 - delivered(r)))} | "
              f"{r['out_of_order_pct']:.3f} | {fmt(d.get('p50'))} / {fmt(d.get('p99'))} / {fmt(d.get('max'))} | "
              f"{fmt(r.get('rss_per_viewer_kb'), '{:.0f}')} | {fmt(j.get('p50'), '{:.0f}')} / {fmt(j.get('p99'), '{:.0f}')} | "
              f"{fmt(v.get('p50'), '{:.0f}')} |")


def recording(runs):
    """bridged-10streams against bridged-10rec, run k against run k: what the recordings cost."""
    by = {(r["label"], r["viewers"], r["run"]): r for r in runs}
    keys = sorted({(r["viewers"], r["run"]) for r in runs if r["label"] == "bridged-10rec"})
    print("### Recording: 10 extra streaming rooms, without and with a recording of each\n")
    print("The N viewers watch the main room, which is not recorded; the 10 other rooms each have a streamer "
          "(the same 325 packets/s) and no viewer. Without → with recording. Other load: CPU used by neither the server "
          "nor the generator during the window (without / with), a busy neighbour distorts the figures.\n")
    print("| viewers | run | server CPU, % of a core | µs per forwarded packet | CPU per recorded stream, % of a core | "
          "µs per recorded packet | writer thread per stream, % of a core (µs per packet) | delay p50, ms | delay p99, ms | loss % | "
          "recorded pkt/s | dropped | written | other load, % of a core |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    sums = {}
    for n, k in keys:
        a, b = by.get(("bridged-10streams", n, k)), by.get(("bridged-10rec", n, k))
        if not a or not b:
            continue
        rec = b["recording"]
        streams = b["recordings"] or 1
        dcpu = b["server_cpu_pct"] - a["server_cpu_pct"]
        per_stream = dcpu / streams
        per_packet = dcpu / 100 * 1e6 / rec["packets_per_s"] if rec["packets_per_s"] else None
        da, db = a.get("delay_ms", {}), b.get("delay_ms", {})
        writer = b["recorder_threads_cpu_pct"] / streams if "recorder_threads_cpu_pct" in b else None
        writer_us = (b["recorder_threads_cpu_pct"] / 100 * 1e6 / rec["packets_per_s"]
                     if "recorder_threads_cpu_pct" in b and rec["packets_per_s"] else None)
        s = sums.setdefault(n, [])
        s.append((a["server_cpu_pct"], b["server_cpu_pct"], per_stream, da.get("p50"), db.get("p50"), da.get("p99"), db.get("p99"),
                  per_packet, writer, writer_us))
        print(f"| {n} | {k} | {a['server_cpu_pct']:.1f} → {b['server_cpu_pct']:.1f} | "
              f"{fmt(a.get('cpu_us_per_packet'))} → {fmt(b.get('cpu_us_per_packet'))} | {per_stream:.2f} | {fmt(per_packet)} | "
              f"{fmt(writer, '{:.3f}')} ({fmt(writer_us)}) | "
              f"{fmt(da.get('p50'))} → {fmt(db.get('p50'))} | {fmt(da.get('p99'))} → {fmt(db.get('p99'))} | "
              f"{a['loss_pct']:.3f} → {b['loss_pct']:.3f} | {rec['packets_per_s']:.0f} | {rec['dropped']} | "
              f"{rec['bytes_after_stop'] / 1e6:.0f} MB ({rec['bytes_per_s'] * 8 / 1e6:.1f} Mbit/s) | "
              f"{fmt(a.get('other_cpu_pct'), '{:.0f}')} / {fmt(b.get('other_cpu_pct'), '{:.0f}')} |")
    for n, s in sorted(sums.items()):
        if len(s) > 1:
            def mean(i):
                v = [x[i] for x in s if x[i] is not None]
                return sum(v) / len(v) if v else None
            print(f"| {n} | mean of {len(s)} | {mean(0):.1f} → {mean(1):.1f} | | {mean(2):.2f} | {fmt(mean(7))} | "
                  f"{fmt(mean(8), '{:.3f}')} ({fmt(mean(9))}) | "
                  f"{fmt(mean(3))} → {fmt(mean(4))} | {fmt(mean(5))} → {fmt(mean(6))} | | | | | |")


def same_work(series, by, ns):
    """bridged fed plain RTP (an RTP source) against Janus's streaming mountpoint fed the same
    RTP: the same work on both sides (RTP in, WebRTC out to N viewers)."""
    for j in [s for s in series if s.startswith("janus-streaming")]:
        print(f"\n### Same work: plain RTP in, N WebRTC viewers out (bridged-rtp against {j})\n")
        print("| viewers | µs/pkt bridged | µs/pkt Janus | ratio | delay p50 / p99 ms bridged | Janus | join p50 ms bridged | Janus | first video p50 ms bridged | Janus | loss % bridged | Janus |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for n in ns:
            b, r = by.get(("bridged-rtp", n)), by.get((j, n))
            if not b and not r:
                continue
            def get(x, *path):
                for p in path:
                    x = x.get(p) if isinstance(x, dict) else None
                return x
            bc, jc = get(b, "cpu_us_per_packet"), get(r, "cpu_us_per_packet")
            print(f"| {n} | {fmt(bc)} | {fmt(jc)} | {fmt(bc / jc if bc and jc else None, '{:.3f}')} | "
                  f"{fmt(get(b, 'delay_ms', 'p50'))} / {fmt(get(b, 'delay_ms', 'p99'))} | {fmt(get(r, 'delay_ms', 'p50'))} / {fmt(get(r, 'delay_ms', 'p99'))} | "
                  f"{fmt(get(b, 'join_ms', 'p50'), '{:.0f}')} | {fmt(get(r, 'join_ms', 'p50'), '{:.0f}')} | "
                  f"{fmt(get(b, 'first_video_ms', 'p50'), '{:.0f}')} | {fmt(get(r, 'first_video_ms', 'p50'), '{:.0f}')} | "
                  f"{fmt(get(b, 'loss_pct'), '{:.3f}')} | {fmt(get(r, 'loss_pct'), '{:.3f}')} |")


def compare(series, by, ns):
    print("### CPU per forwarded packet (µs; lower is better) and the ratio bridged/Janus\n")
    # every other series, bridged without GSO included (not the recording ones: another load)
    janus = [s for s in series if s != "bridged" and not s.startswith("bridged-10")]
    head = "| viewers | bridged | " + " | ".join(f"{s} | bridged/{s}" for s in janus) + " |"
    print(head)
    print("|" + "---|" * (2 + 2 * len(janus)))
    for n in ns:
        b = by.get(("bridged", n))
        bc = b.get("cpu_us_per_packet") if b else None
        cells = [str(n), fmt(bc)]
        for s in janus:
            r = by.get((s, n))
            jc = r.get("cpu_us_per_packet") if r else None
            cells += [fmt(jc), fmt(bc / jc if bc and jc else None, "{:.3f}")]
        print("| " + " | ".join(cells) + " |")


main()

#!/usr/bin/env python3
"""Summarises one bench/e2e/run: table (stdout and table.md), acceptance ratios, summary.json,
and gnuplot PNGs (latency percentiles and throughput vs batching.latencyMs, RSS during the Kafka
outage). Only the standard library; gnuplot is optional."""
import argparse
import json
import shutil
import subprocess
from pathlib import Path

ap = argparse.ArgumentParser()
ap.add_argument("--results", required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--machine", default="")
ap.add_argument("--load", default="")
ap.add_argument("--started", default="")
ap.add_argument("--mode", default="")
ap.add_argument("--receive-maximum", default="")
ap.add_argument("--reference", default="5:100000:1000000")
a = ap.parse_args()
out = Path(a.out)
rows = [json.loads(l) for l in Path(a.results).read_text().splitlines() if l.strip()]
ref_lat, ref_maxm, ref_maxb = (int(x) for x in a.reference.split(":"))


def find(phase, **kw):
    for r in rows:
        if r["phase"] == phase and all(r.get(k) == v for k, v in kw.items()):
            return r
    return None


def batching(r):
    extra = f' + {r["kafka_property"]}' if r.get("kafka_property") else ""
    return f'{r["latency_ms"]} ms / {r["max_messages"]} / {r["max_bytes"]}{extra}'


def k(x):
    return f"{x / 1000:.1f} k" if x is not None else "–"


def ms(us):
    return f"{us / 1000:.2f}"


lines = []
lines.append(f"Machine: {a.machine}; load average {a.load}; started {a.started}; mode {a.mode}; "
             f"maxInflightMessages {a.receive_maximum}.")
lines.append("")
lines.append("**Ceilings**")
lines.append("")
lines.append("| path | QoS | payload | batching (latencyMs / maxMessages / maxBytes) | msg/s | paced p50 / p99 / p999 (ms) |")
lines.append("|---|---:|---:|---|---:|---|")
for r in rows:
    if r["phase"] == "mqtt_ceiling":
        t, p = r["result"]["throughput"], r["result"]["paced"]
        lines.append(f'| mosquitto → subscriber | {r["qos"]} | {r["payload"]} B | – | {k(t["msgs_per_s"])} | '
                     f'{ms(p["p50_us"])} / {ms(p["p99_us"])} / {ms(p["p999_us"])} |')
for r in rows:
    if r["phase"] == "kafka_raw":
        res = r["result"]
        lat = ""
        if "paced" in res:
            p = res["paced"]
            lat = f'{ms(p["p50_us"])} / {ms(p["p99_us"])} / {ms(p["p999_us"])}'
        lines.append(f'| raw librdkafka → kafka-mock | – | {r["payload"]} B | {batching(r)} | {k(res["msgs_per_s"])} | {lat} |')
lines.append("")
lines.append("**End to end: publisher → mosquitto → `flowbridge run` → kafka-mock → consumer**")
lines.append("")
lines.append("| QoS | payload | batching | msg/s | delivered | paced rate | p50 (ms) | p99 (ms) | p999 (ms) | / lower ceiling |")
lines.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
ratios = []
for r in rows:
    if r["phase"] != "e2e":
        continue
    t, p = r["result"]["throughput"], r["result"]["paced"]
    ceil_m = find("mqtt_ceiling", qos=r["qos"], payload=r["payload"])
    ceil_k = find("kafka_raw", payload=r["payload"], latency_ms=r["latency_ms"],
                  max_messages=r["max_messages"], max_bytes=r["max_bytes"],
                  kafka_property=r.get("kafka_property", ""))
    lower = min(x for x in [ceil_m and ceil_m["result"]["throughput"]["msgs_per_s"],
                            ceil_k and ceil_k["result"]["msgs_per_s"]] if x)
    ratio = t["msgs_per_s"] / lower if lower else 0
    r["ratio_to_lower_ceiling"] = ratio
    lines.append(f'| {r["qos"]} | {r["payload"]} B | {batching(r)} | {k(t["msgs_per_s"])} | '
                 f'{t["distinct"]}/{t["sent"]} | {r["result"]["paced_rate"]}/s | {ms(p["p50_us"])} | '
                 f'{ms(p["p99_us"])} | {ms(p["p999_us"])} | {ratio:.2f} |')
lines.append("")
lines.append("**Line-rate MQTT source → `flowbridge run` → kafka-mock**, vs raw librdkafka (reference "
             "batching, run right before and right after each row; medians of the repeated runs)")
lines.append("")
lines.append("| QoS | payload | maxInflightMessages | batching | shards | flowbridge msg/s into Kafka | raw librdkafka msg/s (before, after) | ratio to their mean | ratio to the floor | flowbridge threads, % of a core |")
lines.append("|---:|---:|---:|---|---:|---:|---:|---:|---:|---|")
line_rows = [r for r in rows if r["phase"] in ("line_rate", "line_rate_floor")]
for r in line_rows:
    # The raw producer ran right before and right after this line-rate run (same payload, same
    # properties; raw run `slot` k precedes variant k): compare with their mean, so that a load
    # change during the run hits both sides. Results without slots (older runs): the group's raw
    # runs.
    adj = [x["result"]["msgs_per_s"] for x in rows
           if x["phase"] == "kafka_raw_adjacent" and x["qos"] == r["qos"] and x["payload"] == r["payload"]
           and ("slot" not in r or x.get("slot") in (r["slot"], r["slot"] + 1))]
    rr = sum(adj) / len(adj) if adj else 0
    r["raw_adjacent"] = adj
    r["ratio_to_raw"] = r["result"]["msgs_per_s"] / rr if rr else 0
for r in line_rows:
    # The floor with as many connections as this row has shards, same QoS and payload: how much
    # of what any bridge could reach here flowbridge reaches.
    fl = next((x for x in line_rows if x["phase"] == "line_rate_floor" and x["qos"] == r["qos"]
               and x["payload"] == r["payload"] and x["connections"] == r.get("shards", 1)), None)
    r["ratio_to_floor"] = r["result"]["msgs_per_s"] / fl["result"]["msgs_per_s"] if fl and r["phase"] == "line_rate" else None
    cpu = r["result"].get("flowbridge_thread_cpu_percent", {})
    cpu_text = ", ".join(f"{n} {v:.0f}" for n, v in sorted(cpu.items(), key=lambda x: -x[1]) if v >= 1)
    if "source_cpu_percent" in r["result"]:
        cpu_text += f'; source {r["result"]["source_cpu_percent"]:.0f}'
    rr = sum(r["raw_adjacent"]) / len(r["raw_adjacent"]) if r["raw_adjacent"] else 0
    adj_text = f'{k(rr)} ({", ".join(k(x) for x in r["raw_adjacent"])})'
    if r["phase"] == "line_rate_floor":
        lines.append(f'| {r["qos"]} | {r["payload"]} B | 65535 | floor (frame + produce only) | {r["connections"]} | '
                     f'{k(r["result"]["msgs_per_s"])} | {adj_text} | {r["ratio_to_raw"]:.2f} | — | {cpu_text} |')
        continue
    to_floor = f'{r["ratio_to_floor"]:.2f}' if r["ratio_to_floor"] is not None else "—"
    lines.append(f'| {r["qos"]} | {r["payload"]} B | {r.get("receive_maximum", a.receive_maximum)} | {batching(r)} | {r.get("shards", 1)} | '
                 f'{k(r["result"]["msgs_per_s"])} | {adj_text} | {r["ratio_to_raw"]:.2f} | {to_floor} | {cpu_text} |')
idle = find("idle")
if idle:
    lines.append("")
    lines.append(f'Idle flowbridge (connected, no traffic): {idle["result"]["cpu_percent"]} % of a core.')
soak = find("soak")
if soak:
    s = soak["result"]
    lines.append("")
    lines.append(f'**Kafka outage**: {s["published"]} QoS 1 messages published in {s["publish_seconds"]} s while '
                 f'the broker was down ({s["outage_seconds"]} s outage); flowbridge VmRSS '
                 f'{s["rss_before_kib"] / 1024:.1f} MiB before, peak {s["rss_peak_kib"] / 1024:.1f} MiB '
                 f'(growth {s["rss_growth_kib"] / 1024:.1f} MiB, {s["samples"]} samples at 100 ms); after `up 1`, '
                 f'{s["distinct"]} distinct of {s["published"]} in Kafka ({s["duplicates"]} duplicates; recounted '
                 f'from the start of the topic; the live consumer saw {s.get("distinct_live_consumer", "?")}, '
                 f'the last {s["recover_seconds"]} s after `up 1`).')

# --- acceptance -------------------------------------------------------------------------------
acceptance = []
e2e_ref = find("e2e", qos=1, payload=100, latency_ms=ref_lat, max_messages=ref_maxm, max_bytes=ref_maxb,
               kafka_property="")
if e2e_ref:
    acceptance.append({"target": "QoS 1 e2e >= 50 % of the lower raw ceiling (100 B, reference batching)",
                       "ratio": round(e2e_ref["ratio_to_lower_ceiling"], 3),
                       "pass": e2e_ref["ratio_to_lower_ceiling"] >= 0.5})
for r in rows:
    if r["phase"] == "line_rate":
        shards = r.get("shards", 1)
        reference = (str(r.get("receive_maximum")) == str(a.receive_maximum) and not r.get("kafka_property")
                     and r["latency_ms"] == ref_lat and shards == 1)
        what = "reference settings" if reference else (f'maxInflightMessages {r.get("receive_maximum")}, '
                                                       f'{batching(r)}, {shards} shard{"s" if shards > 1 else ""}')
        acceptance.append({"target": f'line-rate QoS {r["qos"]} {r["payload"]} B >= 70 % of raw librdkafka ({what})',
                           "ratio": round(r["ratio_to_raw"], 3), "pass": r["ratio_to_raw"] >= 0.7,
                           "reference": reference,
                           "ratio_to_floor": round(r["ratio_to_floor"], 3) if r.get("ratio_to_floor") else None})
    if r["phase"] == "line_rate_floor":
        acceptance.append({"target": f'(context) floor, QoS {r["qos"]} {r["payload"]} B, {r["connections"]} connection(s): '
                                     f'ratio to raw librdkafka',
                           "ratio": round(r["ratio_to_raw"], 3), "pass": r["ratio_to_raw"] >= 0.7,
                           "context": True})
if soak:
    s = soak["result"]
    acceptance.append({"target": "RSS growth during the Kafka outage < 128 MiB",
                       "value_mib": round(s["rss_growth_kib"] / 1024, 1), "pass": s["rss_growth_kib"] < 128 * 1024})
    acceptance.append({"target": "every message of the outage arrives (distinct)",
                       "value": f'{s["distinct"]}/{s["published"]}', "pass": s["distinct"] == s["published"]})
lines.append("")
lines.append("**Acceptance**")
lines.append("")
lines.append("| target | value | verdict |")
lines.append("|---|---:|---|")
for x in acceptance:
    v = x.get("ratio", x.get("value_mib", x.get("value")))
    verdict = ("≥ 0.70" if x["pass"] else "< 0.70") if x.get("context") else ("PASS" if x["pass"] else "FAIL")
    lines.append(f'| {x["target"]} | {v} | {verdict} |')
lines.append("")
lines.append("All QoS 1 e2e ratios to the lower ceiling: " + ", ".join(
    f'{r["payload"]} B, {batching(r)}: {r["ratio_to_lower_ceiling"]:.2f}'
    for r in rows if r["phase"] == "e2e" and r["qos"] == 1))
text = "\n".join(lines) + "\n"
(out / "table.md").write_text(text)
print(text)
(out / "summary.json").write_text(json.dumps(
    {"machine": a.machine, "load": a.load, "started": a.started, "mode": a.mode,
     "receive_maximum": a.receive_maximum, "reference_batching": a.reference,
     "acceptance": acceptance, "rows": rows}, indent=1))

# --- plots ------------------------------------------------------------------------------------
if not shutil.which("gnuplot"):
    print("(gnuplot not found: no PNG)")
    raise SystemExit(0)
series = {}
for r in rows:
    if r["phase"] == "e2e" and r["max_messages"] == ref_maxm and r["max_bytes"] == ref_maxb:
        series.setdefault((r["qos"], r["payload"], r.get("kafka_property", "")), []).append(r)
dat = []
for (q, p, kp), rs in sorted(series.items()):
    dat.append(f"# qos {q} payload {p} {kp}: latency_ms msgs_per_s p50_ms p99_ms p999_ms")
    for r in sorted(rs, key=lambda r: r["latency_ms"]):
        t, pc = r["result"]["throughput"], r["result"]["paced"]
        # latencyMs 0 is drawn at 0.5 on the log axis
        x = r["latency_ms"] if r["latency_ms"] > 0 else 0.5
        dat.append(f'{x} {t["msgs_per_s"]:.0f} {pc["p50_us"] / 1000:.3f} {pc["p99_us"] / 1000:.3f} {pc["p999_us"] / 1000:.3f}')
    dat.append("")
    dat.append("")
(out / "e2e_vs_latency.dat").write_text("\n".join(dat))
keys = sorted(series)
lat_plots, thr_plots = [], []
for i, (q, p, kp) in enumerate(keys):
    name = f"QoS {q}, {p} B" + (f", {kp}" if kp else "")
    c = "rgb '" + ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf",
                   "#7f7f7f"][i % 8] + "'"
    if p == 100:  # latency: 100 B only (1 KiB is in the table), p50 solid, p99 dashed, one colour
        lat_plots.append(f"'e2e_vs_latency.dat' index {i} using 1:3 with linespoints lw 2 lc {c} pt 7 title '{name}: p50'")
        lat_plots.append(f"'e2e_vs_latency.dat' index {i} using 1:4 with linespoints lw 1 lc {c} dt 2 pt 6 title '{name}: p99'")
    if not kp:
        thr_plots.append(f"'e2e_vs_latency.dat' index {i} using 1:($2/1000) with linespoints lw 2 lc {c} title '{name}'")
for q in (0, 1):
    c = find("mqtt_ceiling", qos=q, payload=100)
    if c:
        thr_plots.append(f"{c['result']['throughput']['msgs_per_s'] / 1000:.1f} with lines dt 3 lw 2 "
                         f"lc rgb '{['#1f77b4', '#ff7f0e'][q]}' title 'ceiling: mosquitto → subscriber, QoS {q}, 100 B'")
paced_rate = next((r["result"]["paced_rate"] for r in rows if r["phase"] == "e2e"), "")
script = f"""
set terminal pngcairo size 1000,560 font ',10'
set grid
set key outside right top
"""
if lat_plots and thr_plots:
    script += f"""
set logscale x
set xtics ('0' 0.5, 1, 5, 10, 50, 100)
set xlabel 'batching.latencyMs'
set output 'e2e_latency_vs_latency_ms.png'
set title "flowbridge e2e latency (publisher → mosquitto → flowbridge → kafka-mock → consumer), paced {paced_rate} msg/s\\n{a.machine}, load {a.load}"
set ylabel 'latency (ms)'
set logscale y
plot {', '.join(lat_plots)}
set output 'e2e_throughput_vs_latency_ms.png'
unset logscale y
set yrange [0:*]
set title "flowbridge e2e throughput (unpaced)\\n{a.machine}, load {a.load}"
set ylabel 'k messages/s'
plot {', '.join(thr_plots)}
"""
if soak and Path(out / "rss.dat").exists():
    script += f"""
set output 'soak_rss.png'
unset logscale
set xtics auto
set autoscale
set yrange [0:*]
set key top left
set title "flowbridge VmRSS while Kafka is down and {soak['result']['published']} QoS 1 messages arrive\\n{a.machine}"
set xlabel 'seconds'
set ylabel 'VmRSS (MiB)'
plot 'rss.dat' using 1:($3==0?$2/1024:1/0) with lines lw 2 title 'before', \\
     'rss.dat' using 1:($3==1?$2/1024:1/0) with lines lw 2 title 'Kafka down', \\
     'rss.dat' using 1:($3==2?$2/1024:1/0) with lines lw 2 title 'Kafka up, recovering'
"""
(out / "plots.gp").write_text(script)
subprocess.run(["gnuplot", "plots.gp"], cwd=out, check=False)
print("plots:", ", ".join(str(p) for p in sorted(out.glob("*.png"))))

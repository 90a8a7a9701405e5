"""Turns the benchmark's JSON lines into the Markdown tables of bench/results/serving.md."""
import json
import sys
from collections import defaultdict


def main(results_file, build_dir, meta_file):
    rows = [json.loads(line) for line in open(results_file) if line.strip()]
    meta = json.load(open(meta_file))
    ceiling = {r["connections"]: r for r in rows if r["server"] == "ceiling"}
    out = []
    out.append(f"# cd4ml serving benchmark — {meta['date']}\n")
    out.append(f"Machine: {meta['machine']}. wrk {meta['duration_s']} s per cell, wrk and server on the same "
               f"2 cores (loopback, host networking), server: 1 uvicorn worker (CD4ML_WORKERS=1).\n")
    out.append("## Throughput and latency\n")
    out.append("`/predict` with one iris row. *ratio* = requests/s ÷ the bare ASGI ceiling at the same "
               "connections (same uvicorn, same base image, constant JSON).\n")
    out.append("| model | logging | batching | conns | req/s | p50 ms | p99 ms | ratio | errors |")
    out.append("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        if r["server"] == "ceiling":
            continue
        c = ceiling.get(r["connections"])
        ratio = f"{r['rps'] / c['rps']:.2f}" if c and c["rps"] else "–"
        out.append(f"| {r['model']} | {r['logging']} | {r['batching']} | {r['connections']} | {r['rps']:.0f} | "
                   f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {ratio} | {r['errors']} |")
    for conns in sorted(ceiling):
        c = ceiling[conns]
        out.append(f"| *ceiling (bare ASGI)* | – | – | {conns} | {c['rps']:.0f} | {c['p50_ms']:.2f} | "
                   f"{c['p99_ms']:.2f} | 1.00 | {c['errors']} |")
    out.append("")
    out.append("## Rebuild after a model change\n")
    out.append("hyperfine, mean of the runs (each a `cd4ml build-image` JVM start to end). *full* = no build "
               "cache (docker: no cached layers; jib: empty base-layer cache, new repository), *rebuild* = "
               "after retraining with another random_state. *ratio* = rebuild ÷ full.\n")
    out.append("| builder | full s | rebuild s | ratio |")
    out.append("|---|---:|---:|---:|")
    for builder in ("docker", "jib"):
        try:
            full = json.load(open(f"{build_dir}/{builder}-full.json"))["results"][0]
            rebuild = json.load(open(f"{build_dir}/{builder}-rebuild.json"))["results"][0]
        except (OSError, KeyError, IndexError):
            continue
        out.append(f"| {builder} | {full['mean']:.2f} ± {full['stddev'] or 0:.2f} | "
                   f"{rebuild['mean']:.2f} ± {rebuild['stddev'] or 0:.2f} | {rebuild['mean'] / full['mean']:.2f} |")
    out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main(*sys.argv[1:4])

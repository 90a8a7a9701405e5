"""Turns the benchmark's JSON lines into the Markdown tables of bench/results/serving.md."""
import json
import os
import statistics
import sys


def main(results_file, build_dir, meta_file):
    everything = [json.loads(line) for line in open(results_file) if line.strip()]
    rows = [r for r in everything if r.get("phase", "main") == "main"]
    alternating = [r for r in everything if r.get("phase") == "alternating"]
    meta = json.load(open(meta_file))
    ceiling, floor = fastest(rows, "ceiling"), fastest(rows, "floor")
    out = []
    out.append(f"# cd4ml serving benchmark — {meta['date']}\n")
    out.append(f"Machine: {meta['machine']}; load average at the end of the serving part {meta['load']} "
               f"(other work shares the 2 cores). wrk {meta['duration_s']} s per cell, wrk and server on the same "
               f"cores (loopback, host networking), server: 1 uvicorn worker (CD4ML_WORKERS=1), {meta['runtime']}, "
               f"prediction logging to stdout on. *before* = the server and example hooks of commit "
               f"`{meta['before_ref']}` mounted into the same image; *after* = `{meta['after_ref']}`.\n")
    out.append("## Throughput and latency\n")
    out.append("`/predict` with one iris row. *ratio* = requests/s ÷ the bare ASGI ceiling at the same "
               "connections (same uvicorn, loop and HTTP implementation, same base image, constant JSON; measured before "
               "and after the servers, the faster of the two runs counts). "
               "*execution*: where the model was called (*inline* on the event loop, or a model *thread*). "
               "*dropped*: prediction log records dropped since the server started (cumulative over its cells). "
               "*CPU µs/req*: CPU time of the server's container during the cell ÷ requests answered (its cgroup: "
               "every process and thread of the server, not wrk's), which, unlike req/s, does not depend on "
               "how the two cores were shared with wrk; *CPU ratio* = the ceiling's CPU µs/req at the same "
               "connections ÷ the server's.\n")
    out.append("| model | server | batching | execution | conns | req/s | p50 ms | p99 ms | ratio | CPU µs/req | "
               "CPU ratio | dropped | errors |")
    out.append("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        if r["server"] in ("ceiling", "floor"):
            continue
        out.append(f"| {r['model']} | {r['server']} | {r['batching']} | {r['execution']} | {r['connections']} | "
                   f"{r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {ratio(r, ceiling)} | "
                   f"{cpu_text(r)} | {cpu_ratio(r, ceiling)} | {r['log_dropped']} | {r['errors']} |")
    for conns in sorted(ceiling):
        c = ceiling[conns]
        out.append(f"| *ceiling (bare ASGI)* | – | – | – | {conns} | {c['rps']:.0f} | {c['p50_ms']:.2f} | "
                   f"{c['p99_ms']:.2f} | 1.00 | {cpu_text(c)} | 1.00 | – | {c['errors']} |")
    for conns in sorted(floor):
        f = floor[conns]
        out.append(f"| *floor (batching, no work)* | – | on | – | {conns} | {f['rps']:.0f} | {f['p50_ms']:.2f} | "
                   f"{f['p99_ms']:.2f} | {ratio(f, ceiling)} | {cpu_text(f)} | {cpu_ratio(f, ceiling)} | – | "
                   f"{f['errors']} |")
    out.append("")
    if floor:
        out.append("*floor*: `bench/floor_app.py`, the least a Python handler that batches does per request "
                   "(read the body, parse it as JSON, wait on a future that one callback per event-loop turn "
                   "answers for every waiting request, send a constant answer with the model server's headers), "
                   "served like the ceiling.\n")
    if any(r["server"] == "bound" for r in rows):
        out.append("*bound*: the linear server with its own per-request work made free (`bench/work_free.py`: "
                   "validation, the answer, the log line's encoding and the prediction counts reuse the first "
                   "result; the body is still parsed, the model called per batch, every log line queued and "
                   "written). No server built this way (uvicorn, micro-batching, a log line per row) that "
                   "does that work gets above it, however fast its code.\n")
    rounds = forest_rounds(alternating)
    if rounds:
        out.append("## Forest at 1 connection, alternating\n")
        out.append("The before and after servers of the forest served again at 1 connection, one after the other, "
                   f"{len(rounds)} times (the table above measures each once, minutes apart). *ratio* = after ÷ "
                   "before req/s in the same round.\n")
        out.append("| round | before req/s | before p50 ms | after req/s | after p50 ms | ratio |")
        out.append("|---:|---:|---:|---:|---:|---:|")
        for index, (before, after) in enumerate(rounds, 1):
            out.append(f"| {index} | {before['rps']:.0f} | {before['p50_ms']:.2f} | {after['rps']:.0f} | "
                       f"{after['p50_ms']:.2f} | {after['rps'] / before['rps']:.2f} |")
        out.append("")
    out.extend(targets(rows, ceiling, floor, rounds))
    out.extend(builds(build_dir))
    print("\n".join(out))


def fastest(rows, server):
    """Per connections, the run of `server` (measured before and after the model servers) that
    answered most requests per second: a run slowed by other work would inflate every ratio."""
    best = {}
    for r in rows:
        if r["server"] == server and (r["connections"] not in best or r["rps"] > best[r["connections"]]["rps"]):
            best[r["connections"]] = r
    return best


def ratio(r, ceiling):
    c = ceiling.get(r["connections"])
    return f"{r['rps'] / c['rps']:.2f}" if c and c["rps"] else "–"


def cpu_us(r):
    """The server's CPU µs per answered request in that cell, or None when not measured."""
    if r.get("server_cpu_ns", -1) < 0 or not r["requests"]:
        return None
    return r["server_cpu_ns"] / 1000 / r["requests"]


def cpu_text(r):
    value = cpu_us(r)
    return "–" if value is None else f"{value:.0f}"


def cpu_ratio(r, ceiling):
    c = ceiling.get(r["connections"])
    mine, theirs = cpu_us(r), cpu_us(c) if c else None
    return f"{theirs / mine:.2f}" if mine and theirs else "–"


def cell(rows, server, model, conns, batching=None):
    """The row of that server, model and connections: with `batching` (on/off) if given, else the
    default settings (after: the automatic choice; before: off, its default)."""
    for r in rows:
        if (r["server"], r["model"], r["connections"]) != (server, model, conns):
            continue
        if batching is not None and r["batching"].split(" ")[0] == batching:
            return r
        if batching is None and (r["batching"].endswith("(auto)") or (server == "before" and r["batching"] == "off")):
            return r
    return None


def forest_rounds(alternating):
    """(before, after) pairs of the alternating forest cells at 1 connection, in the order run."""
    befores = [r for r in alternating if r["server"] == "before" and r["model"] == "iris" and r["connections"] == 1]
    afters = [r for r in alternating if r["server"] == "after" and r["model"] == "iris" and r["connections"] == 1]
    return [(b, a) for b, a in zip(befores, afters) if b["rps"]]


def targets(rows, ceiling, floor, rounds=()):
    """Issue 14's done-when figures, read off the tables above."""
    out = ["## Issue 14 targets (same run)\n",
           "| target | measured | met |", "|---|---|---|"]

    def line(target, value, met):
        out.append(f"| {target} | {value} | {'yes' if met else 'no' if met is not None else '–'} |")

    linear = cell(rows, "after", "linear", 1)
    if linear:
        line("linear, after (default settings), p50 at 1 connection ≤ 0.5 ms",
             f"{linear['p50_ms']:.2f} ms", linear["p50_ms"] <= 0.5)
    for conns in (1, 16):
        before, after = cell(rows, "before", "iris", conns, "off"), cell(rows, "after", "iris", conns)
        if conns == 1 and rounds:
            gains = [a["rps"] / b["rps"] for b, a in rounds]
            median = statistics.median(gains)
            in_order = ", ".join(f"{gain:.2f}" for gain in gains)
            line(f"forest, after (default settings) ≥ 2× before (its defaults) at 1 connection: median of "
                 f"{len(gains)} alternating rounds", f"{median:.2f}× (rounds in order: {in_order})", median >= 2)
            if before and after:
                gain = after["rps"] / before["rps"]
                line("(the same, from the single cells of the table above)",
                     f"{after['rps']:.0f} / {before['rps']:.0f} req/s = {gain:.2f}×", None)
        elif before and after:
            gain = after["rps"] / before["rps"] if before["rps"] else float("inf")
            line(f"forest, after (default settings) ≥ 2× before (its defaults) at {conns} connection(s)",
                 f"{after['rps']:.0f} / {before['rps']:.0f} req/s = {gain:.2f}×", gain >= 2)
        unbatched = cell(rows, "after", "iris", conns, "off")
        if before and unbatched:
            gain = unbatched["rps"] / before["rps"] if before["rps"] else float("inf")
            line(f"(forest, after without batching vs before at {conns} connection(s))",
                 f"{unbatched['rps']:.0f} / {before['rps']:.0f} req/s = {gain:.2f}×", None)
    for model in ("linear", "iris"):
        batched = cell(rows, "after", model, 64, "on")
        if batched and ceiling.get(64):
            value = batched["rps"] / ceiling[64]["rps"]
            line(f"{model}, after with batching, req/s ÷ ceiling at 64 connections ≥ 0.5",
                 f"{value:.2f}", value >= 0.5)
            mine, theirs = cpu_us(batched), cpu_us(ceiling[64])
            if mine and theirs:
                line(f"({model}, after with batching at 64 connections: the ceiling's CPU per request ÷ the "
                     f"server's)", f"{theirs:.0f} / {mine:.0f} µs = {theirs / mine:.2f}", None)
    bound = cell(rows, "bound", "linear", 64, "on")
    if bound and ceiling.get(64):
        line("(the bound: linear with batching, its per-request work made free, req/s ÷ ceiling at 64 connections)",
             f"{bound['rps'] / ceiling[64]['rps']:.2f}", None)
    lowest = floor.get(64)
    if lowest and ceiling.get(64):
        line("(the floor, a batching handler with no work, req/s ÷ ceiling at 64 connections)",
             f"{lowest['rps'] / ceiling[64]['rps']:.2f}", None)
        mine, theirs = cpu_us(lowest), cpu_us(ceiling[64])
        if mine and theirs:
            budget = 2 * theirs - mine  # what a server at CPU ratio 0.5 has left for its own work
            line("(CPU per request a batching server at 0.5 of the ceiling has left for its own work: "
                 "2 × ceiling − floor)", f"2 × {theirs:.0f} − {mine:.0f} = {budget:.0f} µs", None)
    out.append("")
    return out


def builds(build_dir):
    out = []
    found = [b for b in ("docker", "jib") if os.path.exists(f"{build_dir}/{b}-rebuild.json")]
    if not found:
        return out
    out.append("## Rebuild after a model change\n")
    out.append("hyperfine, mean of the runs (each a `cd4ml build-image` JVM start to end). *full* = no build "
               "cache (docker: no cached layers; jib: empty base-layer cache, new repository), *rebuild* = "
               "after retraining with another random_state. *ratio* = rebuild ÷ full.\n")
    out.append("| builder | full s | rebuild s | ratio |")
    out.append("|---|---:|---:|---:|")
    for builder in found:
        try:
            full = json.load(open(f"{build_dir}/{builder}-full.json"))["results"][0]
            rebuild = json.load(open(f"{build_dir}/{builder}-rebuild.json"))["results"][0]
        except (OSError, KeyError, IndexError):
            continue
        out.append(f"| {builder} | {full['mean']:.2f} ± {full['stddev'] or 0:.2f} | "
                   f"{rebuild['mean']:.2f} ± {rebuild['stddev'] or 0:.2f} | {rebuild['mean'] / full['mean']:.2f} |")
    out.append("")
    return out


if __name__ == "__main__":
    main(*sys.argv[1:4])

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Paired A/B of the gateway's CPU per agent-shaped request, for a shared machine whose speed drifts.

Two gateways run side by side on one fake upstream, each from its own build directory (or the same one, B with a
library preloaded), and batches of requests alternate between them: A then B in odd rounds, B then A in even
ones, so that a slow minute of the machine falls on both. Each batch's CPU is the gateway's utime+stime from /proc;
the result is each side's median per request and the median of the per-round ratios B/A, with the number of
rounds in which B was cheaper. Make batches big enough that the 10 ms clock tick is small against them.

    bench/ab_cpu.py --a glibc=/tmp/old-build --b mimalloc=build/release --rounds 14 --batches 5:1500,144:300
    bench/ab_cpu.py --a glibc=build/release --b mimalloc=build/release \\
        --preload-b /usr/lib/x86_64-linux-gnu/libmimalloc.so.2
    bench/ab_cpu.py --a qsslsocket=/tmp/old-build --b tlschannel=build/release --upstream-tls
    bench/ab_cpu.py --a default=build/release --b keep=build/release --env-b MIMALLOC_ALLOW_DECOMMIT=0

A build directory needs app/drawbridge and bench/drawbridge-bench-{upstream,streamclient} (the fake and the client
are taken from --a's). docs/performance.md, "The allocator", has such a run.
"""
import argparse
import json
import os
import secrets
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B  # noqa: E402


def paired(self, opts):
    self.admin = secrets.token_hex(16)
    self.start_fake()
    cfg = self.write_config()
    self.fake_mode()
    sides = {}
    b_env = ([f"LD_PRELOAD={opts.preload_b}"] if opts.preload_b else []) + list(opts.env_b)
    for label, folder, env in ((opts.a_label, opts.a_dir, []), (opts.b_label, opts.b_dir, b_env)):
        keep = self.build
        self.build = folder
        try:
            p, port, _ = self.start_gateway(cfg, wrapper=("env", *env) if env else ())
        finally:
            self.build = keep
        sides[label] = (p, port, self.provision(port, 1))
    out = {"a": opts.a_label, "b": opts.b_label, "rounds": opts.rounds, "fresh_tail": opts.fresh_tail,
           "sdk_headers": opts.sdk_headers, "bodies": {}}
    for (dialect, kib), (path, size, _) in sorted(self.agent_bodies().items()):
        route = self.agent_route(dialect)
        extra = ["--mode", "fixed", "--body-file", path] + (
            ["--vary", B.agentbodies.TURN_TOKEN] if opts.fresh_tail else []) + B.sdk_header_args(
            dialect if opts.sdk_headers else None)
        per = {label: [] for label in sides}
        for p, port, key in sides.values():
            self.client(port, route, "sse", key, extra + ["--requests", "30"])  # warm-up
        for r in range(opts.rounds):
            order = list(sides) if r % 2 == 0 else list(reversed(list(sides)))
            for label in order:
                p, port, key = sides[label]
                c0 = B.cpu_seconds(p.pid)
                res = self.client(port, route, "sse", key, extra + ["--requests", str(opts.batches[kib])])
                if res["completed"] != opts.batches[kib] or res.get("failures"):
                    raise RuntimeError(f"{label} {dialect} {kib} KiB: {res['completed']} completed: "
                                       f"{res.get('failures')}")
                per[label].append((B.cpu_seconds(p.pid) - c0) * 1e6 / res["completed"])
        a, b = per[opts.a_label], per[opts.b_label]
        ratios = [y / x for x, y in zip(a, b) if x > 0]
        row = {"kib": round(size / 1024, 1), "a_us": [round(x, 1) for x in a], "b_us": [round(x, 1) for x in b],
               "a_median_us": round(statistics.median(a), 1), "b_median_us": round(statistics.median(b), 1),
               "median_ratio": round(statistics.median(ratios), 3) if ratios else None,
               "b_cheaper_rounds": sum(1 for x in ratios if x < 1)}
        out["bodies"][f"{dialect}-{kib}"] = row
        B.log(f"{dialect} {size / 1024:.1f} KiB: {opts.a_label} {row['a_median_us']} µs, {opts.b_label} "
              f"{row['b_median_us']} µs per request (medians of {opts.rounds} rounds), ratio {row['median_ratio']}, "
              f"{opts.b_label} cheaper in {row['b_cheaper_rounds']}/{opts.rounds} rounds")
    # Resident memory right after the load and once the idle release (2 s after the last request) has run.
    for when, pause in (("rss_after_load_kb", 0), ("rss_idle_kb", 6)):
        time.sleep(pause)
        out[when] = {label: B.mem_kb(p.pid)["VmRSS"] for label, (p, _, _) in sides.items()}
        B.log(f"{when}: " + ", ".join(f"{label} {kb / 1024:.1f} MB" for label, kb in out[when].items()))
    out["calibration"] = B.calibration()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--a", required=True, metavar="LABEL=BUILD_DIR")
    ap.add_argument("--b", required=True, metavar="LABEL=BUILD_DIR")
    ap.add_argument("--preload-b", help="LD_PRELOAD for B's gateway only (an allocator, say)")
    ap.add_argument("--env-b", action="append", default=[], metavar="NAME=VALUE",
                    help="an environment variable for B's gateway only (repeatable), e.g. an allocator option")
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--batches", default="5:1500,144:300", help="KiB:requests per batch, one per body size")
    ap.add_argument("--upstream-tls", action="store_true",
                    help="Kiro calls over TLS (HAProxy in front of the fake, as scripts/bench --upstream-tls)")
    ap.add_argument("--fresh-tail", action="store_true",
                    help="each request's last message differs, as an agent's next call (scripts/bench "
                         "--agent-fresh-tail)")
    ap.add_argument("--sdk-headers", action="store_true",
                    help="requests carry the header fields the official SDKs send (scripts/bench --agent-sdk-headers)")
    ap.add_argument("--out", default="bench-results/ab-cpu.json")
    opts = ap.parse_args()
    opts.a_label, _, opts.a_dir = opts.a.partition("=")
    opts.b_label, _, opts.b_dir = opts.b.partition("=")
    if not opts.a_dir or not opts.b_dir or opts.a_label == opts.b_label:
        sys.exit("--a and --b: LABEL=BUILD_DIR, with two different labels")
    if any("=" not in e or e.startswith("=") for e in opts.env_b):
        sys.exit("--env-b: NAME=VALUE")
    opts.batches = {int(k): int(v) for k, v in (x.split(":") for x in opts.batches.split(","))}
    args = B.argparse.Namespace(build_dir=opts.a_dir, seed=12, pieces="2-4", pause_us="1000-3000",
                                agent_sizes=",".join(str(k) for k in opts.batches), agent_seed=18,
                                upstream_tls=opts.upstream_tls, out=opts.out)
    b = B.Bench(args)
    try:
        result = paired(b, opts)
    finally:
        b.cleanup()
    os.makedirs(os.path.dirname(opts.out) or ".", exist_ok=True)
    with open(opts.out, "w") as f:
        json.dump(result, f, indent=2)
    print(f"results: {opts.out}")


if __name__ == "__main__":
    main()

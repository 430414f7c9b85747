#!/usr/bin/env python3
"""Callgrind over N concurrent trickled streams through the gateway: the per-stream set-up and relay cost.

    python3 bench/callgrind_streams.py --build-dir build/ci --streams 256 --frames 2 --out /tmp/cg
    callgrind_annotate --inclusive=yes /tmp/cg | less

Uses bench.py's own classes (fake upstream, gateway start, provisioning, stream client). The counters are zeroed
after 50 warm-up requests and dumped after the streams, so the dump holds only the measured streams.
"""
import argparse
import os
import secrets
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--streams", type=int, default=256)
    ap.add_argument("--frames", type=int, default=2)
    ap.add_argument("--accounts", type=int, default=16, help="64 slots each")
    ap.add_argument("--out", default="callgrind.out.streams")
    ns = ap.parse_args()
    bargs = argparse.Namespace(build_dir=ns.build_dir, out=os.path.join(os.getcwd(), "bench-results", "unused.json"), seed=12, keep_callgrind=None, pieces="2-4",
                               pause_us="1000-3000", delivery="trickle", pin=False)
    b = B.Bench(bargs)
    b.admin = secrets.token_hex(16)
    try:
        b.start_fake()
        cfg = b.write_config()
        out = os.path.join(b.tmp, "callgrind.out")
        wrapper = ["valgrind", "--tool=callgrind", "--collect-atstart=yes", f"--callgrind-out-file={out}.%p"]
        p, port, _ = b.start_gateway(cfg, wrapper=wrapper, timeout=180)
        key = b.provision(port, ns.accounts)
        b.fake_mode()
        b.client(port, "/v1/chat/completions", "sse", key, ["--mode", "fixed", "--requests", "50"], timeout=300)
        subprocess.run(["callgrind_control", "-z", str(p.pid)], capture_output=True, timeout=60, check=True)
        b.fake_mode(chunks=ns.frames, gap=50, delivery="trickle")
        r = b.client(port, "/v1/chat/completions", "sse", key,
                     ["--mode", "stream", "--streams", str(ns.streams), "--expect", str(ns.frames),
                      "--timeout-s", "300"], timeout=600)
        subprocess.run(["callgrind_control", "-d", "measured", str(p.pid)], capture_output=True, timeout=60,
                       check=True)
        total = b.callgrind_total("measured")
        print(f"completed {r.get('completed')} of {ns.streams}; {total:,} instructions, "
              f"{total // max(1, ns.streams):,} per stream (all threads)")
        for f in os.listdir(b.tmp):
            path = os.path.join(b.tmp, f)
            if f.startswith("callgrind.out") and "measured" in open(path).read().split("events:")[0]:
                shutil.copy(path, ns.out)
        b.stop(p, 60)
    finally:
        b.cleanup()


if __name__ == "__main__":
    main()

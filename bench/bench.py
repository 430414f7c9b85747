#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drawbridge benchmark driver (called by scripts/bench; standard library only).

Starts the lean fake Kiro upstream and `drawbridge --headless --ephemeral` against it, then measures every figure
both through the gateway and directly against the fake in the same run, so each result reads as "added by the
gateway". Writes bench-results/results.json and prints a table. Only 127.0.0.1 is ever contacted.
"""
import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def http(method, url, body=None, token=None, timeout=30):
    assert url.startswith("http://127.0.0.1:"), url
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        raw = r.read()
        return r.status, (json.loads(raw) if raw else None)


def wait_line(proc, pattern, timeout):
    """Reads proc's stdout until a line matches; returns (match, seconds)."""
    start = time.monotonic()
    rx = re.compile(pattern)
    os.set_blocking(proc.stdout.fileno(), True)
    while time.monotonic() - start < timeout:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                raise RuntimeError(f"process exited ({proc.returncode}) before printing {pattern!r}")
            continue
        m = rx.search(line.decode(errors="replace"))
        if m:
            return m, time.monotonic() - start
    raise RuntimeError(f"timed out waiting for {pattern!r}")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is state (field 3); utime, stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def listen_drops():
    """TcpExt ListenOverflows + ListenDrops: SYNs refused because an accept queue was full (machine-wide)."""
    with open("/proc/net/netstat") as f:
        lines = [l.split() for l in f if l.startswith("TcpExt:")]
    d = dict(zip(lines[0][1:], map(int, lines[1][1:])))
    return {"overflows": d.get("ListenOverflows", 0), "drops": d.get("ListenDrops", 0)}


def mem_kb(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


WRK_LUA = r"""
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("BENCH_KEY")
if key ~= nil and key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JSONRESULT {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%.1f,"p90":%.1f,"p99":%.1f,"p999":%.1f,"max":%.1f,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
end
"""

KIRO_BODY = json.dumps({"conversationState": {"conversationId": "bench", "chatTriggerType": "MANUAL",
                        "currentMessage": {"userInputMessage": {"content": "Say something.",
                                                                "modelId": "claude-sonnet-4.5",
                                                                "origin": "AI_EDITOR"}}}})
CHAT_BODY = json.dumps({"model": "kiro", "stream": False,
                        "messages": [{"role": "user", "content": "Say something."}]})


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = args.build_dir
        self.tmp = tempfile.mkdtemp(prefix="drawbridge-bench-")
        self.lua = os.path.join(self.tmp, "post.lua")
        with open(self.lua, "w") as f:
            f.write(WRK_LUA)
        self.procs = []
        self.results = {}

    # ---- processes -------------------------------------------------------------------------------------------
    def start_fake(self):
        exe = os.path.join(self.build, "bench", "drawbridge-bench-upstream")
        p = subprocess.Popen([exe, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        m, _ = wait_line(p, r"listening on http://127\.0\.0\.1:(\d+)", 10)
        self.fake_port = int(m.group(1))
        self.fake = f"http://127.0.0.1:{self.fake_port}"
        return p

    def write_config(self):
        cfg = os.path.join(self.tmp, "drawbridge.toml")
        with open(cfg, "w") as f:
            f.write(f"""[server]
host = "127.0.0.1"
port = 0

[limits]
default_rpm = 1000000
queue_timeout_s = 30

[kiro]
slots_per_account = 64
api_base_url = "{self.fake}"
social_auth_base_url = "{self.fake}"
oidc_base_url = "{self.fake}"
""")
        return cfg

    def start_gateway(self, cfg, wrapper=(), timeout=20):
        exe = os.path.join(self.build, "app", "drawbridge")
        env = dict(os.environ, DRAWBRIDGE_ADMIN_TOKEN=self.admin, QT_QPA_PLATFORM="offscreen")
        errlog = open(os.path.join(self.tmp, "gateway.log"), "ab")
        start = time.monotonic()
        p = subprocess.Popen([*wrapper, exe, "--headless", "--ephemeral", "--port", "0", "--config", cfg],
                             stdout=subprocess.PIPE, stderr=errlog, env=env)
        m, _ = wait_line(p, r"drawbridge listening on http://127\.0\.0\.1:(\d+)", timeout)
        cold = time.monotonic() - start
        self.procs.append(p)
        return p, int(m.group(1)), cold

    def stop(self, p, timeout=10):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.procs:
            self.procs.remove(p)

    def cleanup(self):
        for p in list(self.procs):
            self.stop(p, 5)
        log_path = os.path.join(self.tmp, "gateway.log")
        if os.path.exists(log_path):
            os.makedirs(os.path.dirname(self.args.out) or ".", exist_ok=True)
            shutil.copy(log_path, os.path.join(os.path.dirname(self.args.out) or ".", "gateway.log"))
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- gateway setup ---------------------------------------------------------------------------------------
    def provision(self, port, accounts):
        base = f"http://127.0.0.1:{port}"
        _, key = http("POST", f"{base}/admin/keys", {"name": "bench", "rate_limit_rpm": 1000000}, self.admin)
        for i in range(accounts):
            status, acct = http("POST", f"{base}/admin/accounts",
                                {"type": "kiro", "name": f"bench-{i}", "auth_method": "social",
                                 "refresh_token": f"bench-refresh-{i}-{secrets.token_hex(4)}", "slots": 64},
                                self.admin)
            if status != 201:
                raise RuntimeError(f"account creation failed: {status} {acct}")
        return key["key"]

    def fake_mode(self, delay=0, chunks=0, gap=0):
        http("POST", f"{self.fake}/_bench/mode?delay={delay}&chunks={chunks}&gap={gap}")

    # ---- load generators -------------------------------------------------------------------------------------
    def wrk(self, url, body, key, conns, seconds, threads=None):
        threads = threads or min(conns, 2)
        env = dict(os.environ, BENCH_BODY=body, BENCH_KEY=key or "")
        out = subprocess.run(["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s", "--timeout", "10s",
                              "-s", self.lua, url], capture_output=True, text=True, env=env, timeout=seconds + 30)
        for line in out.stdout.splitlines():
            if line.startswith("JSONRESULT "):
                r = json.loads(line[len("JSONRESULT "):])
                r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
                r["error_total"] = sum(r["errors"].values())
                return r
        raise RuntimeError(f"wrk gave no result: {out.stdout} {out.stderr}")

    def client(self, port, path, fmt, key, extra, timeout=120):
        exe = os.path.join(self.build, "bench", "drawbridge-bench-streamclient")
        cmd = [exe, "--port", str(port), "--path", path, "--format", fmt, *extra]
        if key:
            cmd += ["--key", key]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"stream client failed: {out.stderr}")
        return json.loads(out.stdout)

    def gw_wrk(self, key, conns, seconds):
        c0, t0 = cpu_seconds(self.gw.pid), time.monotonic()
        r = self.wrk(f"{self.gw_url}/v1/chat/completions", CHAT_BODY, key, conns, seconds)
        c1 = cpu_seconds(self.gw.pid)
        r["gateway_cpu_s"] = c1 - c0
        r["gateway_cpu_us_per_request"] = (c1 - c0) * 1e6 / max(1, r["requests"])
        r["gateway_cpu_cores"] = (c1 - c0) / (time.monotonic() - t0)
        return r

    def direct_wrk(self, conns, seconds):
        return self.wrk(f"{self.fake}/generateAssistantResponse", KIRO_BODY, None, conns, seconds)

    # ---- the run ---------------------------------------------------------------------------------------------
    def run(self):
        a = self.args
        self.admin = secrets.token_hex(16)
        self.start_fake()
        cfg = self.write_config()
        R = self.results
        R["machine"] = machine()

        # Cold start: spawn to the listening line, median of several starts.
        colds = []
        for _ in range(a.cold_runs):
            p, _, cold = self.start_gateway(cfg)
            colds.append(cold * 1000)
            self.stop(p)
        R["cold_start_ms"] = {"runs": [round(c, 1) for c in colds], "median": round(statistics.median(colds), 1),
                              "max": round(max(colds), 1)}
        log(f"cold start median {R['cold_start_ms']['median']} ms")

        self.gw, port, _ = self.start_gateway(cfg)
        self.gw_url = f"http://127.0.0.1:{port}"
        key = self.provision(port, a.accounts)
        self.key = key
        # Warm up both paths (connections, lazy initialisation), then settle and take the idle RSS.
        self.fake_mode()
        self.client(port, "/v1/chat/completions", "sse", key, ["--mode", "fixed", "--requests", "200"])
        self.client(self.fake_port, "/generateAssistantResponse", "kiro", None, ["--mode", "fixed", "--requests", "200"])
        time.sleep(1.0)
        mem_idle = mem_kb(self.gw.pid)
        R["rss_kb"] = {"idle": mem_idle["VmRSS"]}

        # 1. Latency at concurrency 1, non-streaming, upstream answers at once.
        log("latency at c=1")
        direct = self.direct_wrk(1, a.seconds)
        gw = self.gw_wrk(key, 1, a.seconds)
        R["latency_c1"] = {"direct": direct, "gateway": gw,
                           "added_us": {k: round(gw["latency_us"][k] - direct["latency_us"][k], 1)
                                        for k in ("p50", "p90", "p99", "p999", "max")}}

        # 2. Throughput with a 20 ms upstream at 32 and 128 connections.
        self.fake_mode(delay=20)
        for conns in (32, 128):
            log(f"throughput at c={conns}, 20 ms upstream")
            direct = self.direct_wrk(conns, a.seconds)
            self.fake_mode(delay=20)  # resets the fake's peak-connections counter
            gw = self.gw_wrk(key, conns, a.seconds)
            gw["upstream_peak_connections"] = http("GET", f"{self.fake}/_bench/stats")[1]["peak_open"]
            R[f"throughput_c{conns}"] = {"direct": direct, "gateway": gw,
                                         "ratio": round(gw["rps"] / direct["rps"], 4),
                                         "added_p99_us": round(gw["latency_us"]["p99"] - direct["latency_us"]["p99"], 1)}

        # CPU per request under load, upstream answering at once (the gateway is the only work).
        self.fake_mode()
        log("CPU per request under load (c=32, immediate upstream)")
        gw = self.gw_wrk(key, 32, a.seconds)
        R["cpu_under_load"] = {"gateway": gw}

        # 3. Streaming: 64 chunks 5 ms apart, a handful of concurrent streams.
        log("streaming TTFB and chunk gaps")
        self.fake_mode(chunks=64, gap=5)
        sargs = ["--mode", "stream", "--streams", str(a.streams), "--expect", "64"]
        direct = self.client(self.fake_port, "/generateAssistantResponse", "kiro", None, sargs)
        gw = self.client(port, "/v1/chat/completions", "sse", key, sargs)
        R["streaming"] = {"direct": direct, "gateway": gw,
                          "added_ttfb_us": {k: round(gw["ttfb_us"][k] - direct["ttfb_us"][k], 1)
                                            for k in ("p50", "p99")},
                          "added_gap_us": {k: round(gw["gap_us"][k] - direct["gap_us"][k], 1) for k in ("p50", "p99")}}

        # 4. 1,024 concurrent slow streams: 64 chunks, --slow-gap-ms apart.
        log(f"{a.slow_streams} concurrent slow streams")
        self.fake_mode(chunks=64, gap=a.slow_gap_ms)
        sargs = ["--mode", "stream", "--streams", str(a.slow_streams), "--expect", "64", "--timeout-s", "60"]
        d0 = listen_drops()
        direct = self.client(self.fake_port, "/generateAssistantResponse", "kiro", None, sargs)
        d1 = listen_drops()
        direct["listen_overflows"] = d1["overflows"] - d0["overflows"]
        self.fake_mode(chunks=64, gap=a.slow_gap_ms)  # resets the fake's peak-connections counter
        c0 = cpu_seconds(self.gw.pid)
        gw = self.client(port, "/v1/chat/completions", "sse", key, sargs)
        d2 = listen_drops()
        gw["listen_overflows"] = d2["overflows"] - d1["overflows"]
        gw["gateway_cpu_s"] = cpu_seconds(self.gw.pid) - c0
        # How many upstream connections the gateway held open at once during the run (the fake's peak).
        gw["upstream_peak_connections"] = http("GET", f"{self.fake}/_bench/stats")[1]["peak_open"]
        R["slow_streams"] = {"direct": direct, "gateway": gw, "completed": gw["completed"],
                             "stalled": gw["streams"] - gw["completed"]}

        # 5. Memory: peak and after the load ends.
        self.fake_mode()
        time.sleep(a.settle_s)
        mem_after = mem_kb(self.gw.pid)
        R["rss_kb"].update({"peak": mem_after["VmHWM"], "after": mem_after["VmRSS"]})
        R["rss_kb"]["after_vs_idle"] = round(mem_after["VmRSS"] / mem_idle["VmRSS"] - 1, 4)

        self.stop(self.gw)
        if a.check:
            R["instructions"] = self.instruction_check(cfg)
        R["budgets"] = budgets(R)
        return R

    # ---- instruction-count guard -----------------------------------------------------------------------------
    def instruction_check(self, cfg):
        """Gateway instructions per non-streaming request, measured with callgrind between two dumps."""
        a = self.args
        log("instruction count under callgrind")
        self.fake_mode()
        out = os.path.join(self.tmp, "callgrind.out")
        wrapper = ["valgrind", "--tool=callgrind", "--collect-atstart=yes", f"--callgrind-out-file={out}.%p"]
        p, port, _ = self.start_gateway(cfg, wrapper=wrapper, timeout=120)
        key = self.provision(port, 1)
        # Warm up, then zero the counters, run exactly N requests, dump.
        self.client(port, "/v1/chat/completions", "sse", key, ["--mode", "fixed", "--requests", "50"], timeout=300)
        subprocess.run(["callgrind_control", "-z", str(p.pid)], capture_output=True, timeout=60, check=True)
        r = self.client(port, "/v1/chat/completions", "sse", key,
                        ["--mode", "fixed", "--requests", str(a.check_requests)], timeout=600)
        subprocess.run(["callgrind_control", "-d", "measured", str(p.pid)], capture_output=True, timeout=60,
                       check=True)
        self.stop(p, 60)
        dumps = sorted(f for f in os.listdir(self.tmp) if f.startswith("callgrind.out") and "measured" not in f)
        total = None
        for f in os.listdir(self.tmp):
            if not f.startswith("callgrind.out"):
                continue
            with open(os.path.join(self.tmp, f)) as fh:
                text = fh.read()
            if "measured" not in text.split("events:")[0]:
                continue
            m = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.M)
            if m:
                total = int(m.group(1))
        if total is None:
            raise RuntimeError(f"no callgrind dump found in {self.tmp}: {dumps}")
        per = total / max(1, r["completed"])
        budget_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), "budget.json")
        with open(budget_file) as f:
            budget = json.load(f)
        limit = budget["instructions_per_request"] * (1 + budget.get("tolerance", 0.10))
        # A budget of 0 means "not set yet": record the figure without failing.
        return {"requests": r["completed"], "instructions": total, "per_request": round(per),
                "budget": budget["instructions_per_request"], "limit": round(limit),
                "ok": budget["instructions_per_request"] == 0 or per <= limit}


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    qt = "unknown"
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libqt6core6"], capture_output=True, text=True)
        qt = out.stdout.strip() or qt
    except OSError:
        pass
    load = os.getloadavg()
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "qt": qt,
            "loadavg_at_start": [round(x, 2) for x in load], "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def budgets(R):
    def row(name, value, limit, unit, ok):
        return {"name": name, "value": value, "limit": limit, "unit": unit, "met": bool(ok)}
    cpu = R["cpu_under_load"]["gateway"]["gateway_cpu_us_per_request"]
    t32, t128 = R["throughput_c32"]["ratio"], R["throughput_c128"]["ratio"]
    rss = R["rss_kb"]
    b = [
        row("gateway CPU per request under load", round(cpu, 1), 100, "µs", cpu <= 100),
        row("added latency p50 at c=1", R["latency_c1"]["added_us"]["p50"], 100, "µs",
            R["latency_c1"]["added_us"]["p50"] <= 100),
        row("added latency p99 at c=1", R["latency_c1"]["added_us"]["p99"], 300, "µs",
            R["latency_c1"]["added_us"]["p99"] <= 300),
        row("throughput vs direct, c=32, 20 ms upstream", round(t32 * 100, 1), 97, "%", t32 >= 0.97),
        row("throughput vs direct, c=128, 20 ms upstream", round(t128 * 100, 1), 97, "%", t128 >= 0.97),
        row("added time to first byte (p50)", R["streaming"]["added_ttfb_us"]["p50"], 300, "µs",
            R["streaming"]["added_ttfb_us"]["p50"] <= 300),
        row("1,024 concurrent streams, none stalled", R["slow_streams"]["stalled"], 0, "stalled",
            R["slow_streams"]["stalled"] == 0),
        row("idle RSS", round(rss["idle"] / 1024, 1), 40, "MB", rss["idle"] <= 40 * 1024),
        row("RSS after load within 10 % of idle", round(rss["after_vs_idle"] * 100, 1), 10, "%",
            rss["after_vs_idle"] <= 0.10),
        row("cold start (median)", R["cold_start_ms"]["median"], 200, "ms", R["cold_start_ms"]["median"] <= 200),
    ]
    if "instructions" in R:
        i = R["instructions"]
        b.append(row("instructions per request (callgrind)", i["per_request"], i["limit"], "instr", i["ok"]))
    return b


def table(R):
    L = []
    lc = R["latency_c1"]
    L.append("Latency at c=1, non-streaming (µs)      p50      p90      p99    p99.9      max")
    for name in ("direct", "gateway"):
        v = lc[name]["latency_us"]
        L.append(f"  {name:<36}" + "".join(f"{v[k]:>9.0f}" for k in ("p50", "p90", "p99", "p999", "max")))
    v = lc["added_us"]
    L.append(f"  {'added by the gateway':<36}" + "".join(f"{v[k]:>9.0f}" for k in ("p50", "p90", "p99", "p999", "max")))
    L.append(f"Gateway CPU per request: c=1 {lc['gateway']['gateway_cpu_us_per_request']:.0f} µs, "
             f"c=32 immediate upstream {R['cpu_under_load']['gateway']['gateway_cpu_us_per_request']:.0f} µs "
             f"({R['cpu_under_load']['gateway']['rps']:.0f} req/s), "
             f"c=128 20 ms upstream {R['throughput_c128']['gateway']['gateway_cpu_us_per_request']:.0f} µs")
    L.append("Throughput, 20 ms upstream          direct req/s  gateway req/s   ratio  direct p99  gw p99  errors")
    for c in (32, 128):
        t = R[f"throughput_c{c}"]
        L.append(f"  c={c:<33}{t['direct']['rps']:>12.0f}{t['gateway']['rps']:>15.0f}{t['ratio'] * 100:>7.1f}%"
                 f"{t['direct']['latency_us']['p99'] / 1000:>10.1f}ms{t['gateway']['latency_us']['p99'] / 1000:>6.1f}ms"
                 f"{t['gateway']['error_total']:>8}  (gateway→upstream connections at peak "
                 f"{t['gateway'].get('upstream_peak_connections')})")
    s = R["streaming"]
    L.append(f"Streaming, 64 chunks 5 ms apart, {s['gateway']['streams']} streams (µs)   TTFB p50  TTFB p99   gap p50   gap p99  complete")
    for name in ("direct", "gateway"):
        v = s[name]
        L.append(f"  {name:<50}{v['ttfb_us']['p50']:>9.0f}{v['ttfb_us']['p99']:>10.0f}{v['gap_us']['p50']:>10.0f}"
                 f"{v['gap_us']['p99']:>10.0f}{v['completed']:>6}/{v['streams']}")
    ss = R["slow_streams"]
    L.append(f"Slow streams: {ss['gateway']['completed']}/{ss['gateway']['streams']} complete via gateway "
             f"({ss['direct']['completed']}/{ss['direct']['streams']} direct), first-delta p99 "
             f"{ss['gateway']['ttfb_us']['p99'] / 1000:.1f} ms (direct {ss['direct']['ttfb_us']['p99'] / 1000:.1f} ms), "
             f"gap p99 {ss['gateway']['gap_us']['p99'] / 1000:.1f} ms, "
             f"upstream connections at peak {ss['gateway'].get('upstream_peak_connections')}, "
             f"statuses {ss['gateway'].get('statuses')}, accept-queue overflows {ss['gateway'].get('listen_overflows')} "
             f"(direct {ss['direct'].get('listen_overflows')})")
    r = R["rss_kb"]
    L.append(f"RSS: idle {r['idle'] / 1024:.1f} MB, peak {r['peak'] / 1024:.1f} MB, after {r['after'] / 1024:.1f} MB "
             f"({r['after_vs_idle'] * 100:+.1f} % vs idle)")
    L.append(f"Cold start to listening line: median {R['cold_start_ms']['median']} ms (runs {R['cold_start_ms']['runs']})")
    if "instructions" in R:
        i = R["instructions"]
        L.append(f"Instructions per request (callgrind): {i['per_request']:,} (budget {i['budget']:,}, limit {i['limit']:,})")
    L.append("")
    L.append("Budgets")
    for b in R["budgets"]:
        L.append(f"  [{'MET ' if b['met'] else 'MISS'}] {b['name']}: {b['value']} {b['unit']} (limit {b['limit']})")
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--out", default="bench-results/results.json")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--accounts", type=int, default=17, help="64 slots each; 17 leave room above 1,024 streams")
    ap.add_argument("--streams", type=int, default=8)
    ap.add_argument("--slow-streams", type=int, default=1024)
    ap.add_argument("--slow-gap-ms", type=int, default=20)
    ap.add_argument("--settle-s", type=float, default=3.0)
    ap.add_argument("--cold-runs", type=int, default=5)
    ap.add_argument("--check-requests", type=int, default=300)
    a = ap.parse_args()
    b = Bench(a)
    try:
        R = b.run()
    finally:
        b.cleanup()
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(R, f, indent=2)
    print(table(R))
    print(f"\nresults: {a.out}")
    if a.check and not R["instructions"]["ok"]:
        print("bench --check: instruction budget exceeded", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

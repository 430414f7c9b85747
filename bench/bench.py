#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drawbridge benchmark driver (called by scripts/bench; standard library only).

Starts the lean fake Kiro upstream and `drawbridge --headless --ephemeral` against it, then measures every figure
both through the gateway and directly against the fake in the same run, so each result reads as "added by the
gateway". Writes bench-results/results.json and prints a table. Only 127.0.0.1 is ever contacted.

Phases (--phases, comma-separated; default all): cold, latency, throughput, cpu, agent, streaming, slow, trickle.
The agent phase sends agent-shaped bodies (bench/agentbodies.py: system prompt, 20 tools, dozens of turns) of
5 / 57 / 144 / 417 KiB in both dialects, one keep-alive connection, sequentially, and reports gateway CPU per
request and per KiB.
The non-streaming phases (latency, throughput, cpu) use coalesced delivery, since they measure microseconds
per request; the streaming phases use --delivery (default trickle: every frame cut into pieces sent apart, as a
network delivers them). The trickle phase runs on a fresh gateway of its own.
"""
import argparse
import json
import os
import platform
import re
import resource
import secrets
import socket
import struct
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentbodies  # noqa: E402  (bench/agentbodies.py)

PHASES = ("cold", "latency", "throughput", "cpu", "agent", "streaming", "slow", "trickle")

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


def cpu_split(pid):
    """(user, system) CPU seconds of a process, all threads: how much of its time the kernel's socket work takes."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def listen_drops():
    """TcpExt ListenOverflows + ListenDrops: SYNs refused because an accept queue was full (machine-wide)."""
    with open("/proc/net/netstat") as f:
        lines = [l.split() for l in f if l.startswith("TcpExt:")]
    d = dict(zip(lines[0][1:], map(int, lines[1][1:])))
    return {"overflows": d.get("ListenOverflows", 0), "drops": d.get("ListenDrops", 0)}


def machine_cpu():
    """Busy, total and stolen jiffies of the whole machine (/proc/stat), to see what else used the cores. Steal
    is time the hypervisor gave this virtual machine's cores to another guest: counted apart, not as busy, since
    no process here ran then (the project's VMs have shown a third of their time stolen; every wall-clock and
    CPU figure of such a run is slower for it, which the calibration line and this share show)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice, already inside user and nice]
    v = (v + [0] * 8)[:8]
    idle, steal = v[3] + v[4], v[7]
    return sum(v) - idle - steal, sum(v), steal


def sdk_header_args(dialect):
    """streamclient arguments for the header fields an official SDK of @p dialect sends (none for None)."""
    return [x for h in (agentbodies.SDK_HEADERS[dialect] if dialect else []) for x in ("--header", h)]


def read_syscalls(pid):
    """read()-family system calls the process made (/proc/PID/io syscr; Qt reads sockets with read())."""
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("syscr:"):
                return int(line.split()[1])
    return 0


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


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


class BenchPostgres:
    """A private PostgreSQL for the team-mode phase: initdb into a temp dir, a Unix socket there, removed by stop().
    As root it runs as the postgres user (PostgreSQL refuses root)."""

    def __init__(self, tmp):
        root = "/usr/lib/postgresql"
        versions = sorted((v for v in (os.listdir(root) if os.path.isdir(root) else [])
                           if os.path.exists(os.path.join(root, v, "bin", "initdb"))), key=float, reverse=True)
        if not versions:
            raise RuntimeError("team-mode phase: PostgreSQL is not installed (run scripts/setup)")
        self.bin = os.path.join(root, versions[0], "bin")
        self.dir = tempfile.mkdtemp(prefix="dbpg-bench-", dir="/tmp")
        self.data = os.path.join(self.dir, "data")
        self.as_root = os.geteuid() == 0
        if self.as_root:
            import pwd
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.run("initdb", "-D", self.data, "-U", "drawbridge", "-A", "trust", "-E", "UTF8", "--no-locale",
                 "--no-sync")
        # fsync stays on: the figures should be those of a real server, not of a throwaway one.
        # pg_stat_statements (shipped with Debian's server package) counts the statements the gateway runs, so
        # the phase can report them per request.
        self.run("pg_ctl", "start", "-w", "-t", "60", "-D", self.data, "-l", os.path.join(self.dir, "log"),
                 "-o", f"-k {self.dir} -c listen_addresses= -c shared_preload_libraries=pg_stat_statements")
        self.sql("postgres", "CREATE DATABASE bench")
        self.sql("bench", "CREATE EXTENSION pg_stat_statements")

    def sql(self, db, statement):
        out = subprocess.run([os.path.join(self.bin, "psql"), "-h", self.dir, "-U", "drawbridge", "-d", db, "-qAtX",
                              "-F", "\t", "-c", statement], check=True, timeout=30, capture_output=True, text=True)
        return [line.split("\t") for line in out.stdout.splitlines() if line]

    def reset_statements(self):
        self.sql("bench", "SELECT pg_stat_statements_reset()")

    def statements(self):
        """(calls, query) of every statement run in the bench database since reset_statements(), the most
        frequent first; the psql calls of this class excluded."""
        rows = self.sql("bench", "SELECT calls, regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements"
                                 " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'bench')"
                                 " AND query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC")
        return [(int(calls), query) for calls, query in rows]

    def run(self, tool, *args):
        cmd = [os.path.join(self.bin, tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, timeout=90, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def url(self):
        return f"postgresql:///bench?host={self.dir}&user=drawbridge"

    def cpu_s(self):
        """CPU seconds of the postmaster and all its backends so far."""
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            master = int(f.readline())
        total = cpu_seconds(master)
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                            total += cpu_seconds(int(pid))
                except (OSError, ValueError, IndexError):
                    pass
        return total

    def stop(self):
        try:
            self.run("pg_ctl", "stop", "-w", "-m", "fast", "-D", self.data)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


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
        p = subprocess.Popen([exe, "--port", "0", "--seed", str(self.args.seed)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        self.procs.append(p)
        self.fake_proc = p
        m, _ = wait_line(p, r"listening on http://127\.0\.0\.1:(\d+)", 10)
        self.fake_port = int(m.group(1))
        self.fake = f"http://127.0.0.1:{self.fake_port}"
        return p

    def write_config(self):
        cfg = os.path.join(self.tmp, "drawbridge.toml")
        # --upstream-tls: Kiro calls go over TLS, as to the real service; token refreshes stay plain.
        api = self.fake
        tls = ""
        if self.args.upstream_tls:
            api, ca = self.start_tls_front()
            tls = f'ca_file = "{ca}"\n'
        with open(cfg, "w") as f:
            f.write(f"""[server]
host = "127.0.0.1"
port = 0

[limits]
default_rpm = 1000000
queue_timeout_s = 30

[kiro]
slots_per_account = 64
api_base_url = "{api}"
social_auth_base_url = "{self.fake}"
oidc_base_url = "{self.fake}"
{tls}""")
        return cfg

    def start_tls_front(self):
        """The real upstream is HTTPS, and the gateway's TLS client (encryption, Qt's buffers and copies) is part
        of every request's cost. For --upstream-tls, HAProxy terminates TLS in front of the fake (TCP mode: the
        bytes, cuts and pauses pass as the fake writes them, re-framed into TLS records), with a certificate for
        127.0.0.1 from a CA made here and given to the gateway as kiro.ca_file. Returns (base URL, CA file).
        The fake's own CPU and HAProxy's are not the gateway's: the phases count the gateway's only."""
        if getattr(self, "_tls_front", None):
            return self._tls_front
        exe = shutil.which("haproxy") or "/usr/sbin/haproxy"
        openssl = shutil.which("openssl")
        if not os.path.exists(exe) or not openssl:
            raise RuntimeError("--upstream-tls needs haproxy and openssl (scripts/setup --bench installs them)")
        d = os.path.join(self.tmp, "tls")
        os.makedirs(d)
        f = lambda name: os.path.join(d, name)  # noqa: E731
        run = lambda *cmd: subprocess.run([openssl, *cmd], check=True, capture_output=True, timeout=60)  # noqa: E731
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.pem"),
            "-days", "2", "-subj", "/CN=drawbridge bench CA")
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f("srv.key"), "-out", f("srv.csr"),
            "-subj", "/CN=127.0.0.1")
        with open(f("ext.cnf"), "w") as out:
            out.write("subjectAltName=IP:127.0.0.1\n")
        run("x509", "-req", "-in", f("srv.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial",
            "-out", f("srv.pem"), "-days", "2", "-extfile", f("ext.cnf"))
        with open(f("srv-full.pem"), "w") as out:
            out.write(open(f("srv.pem")).read() + open(f("srv.key")).read())
        port = free_port()
        with open(f("haproxy.cfg"), "w") as out:
            out.write(f"""global
    maxconn 8192
defaults
    mode tcp
    timeout connect 5s
    timeout client 120s
    timeout server 120s
frontend tls
    bind 127.0.0.1:{port} ssl crt {f("srv-full.pem")}
    maxconn 8192
    default_backend fake
backend fake
    server fake 127.0.0.1:{self.fake_port} maxconn 4096
""")
        p = subprocess.Popen([exe, "-f", f("haproxy.cfg"), "-db"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        wait_port(p, port, "haproxy (TLS front)")
        self._tls_front = (f"https://127.0.0.1:{port}", f("ca.pem"))
        return self._tls_front

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

    def fake_mode(self, delay=0, chunks=0, gap=0, delivery="coalesced"):
        """Sets the fake's mode (and resets its per-phase counters). Non-streaming phases pass coalesced."""
        a = self.args
        pmin, pmax = a.pieces.split("-")
        umin, umax = a.pause_us.split("-")
        _, mode = http("POST", f"{self.fake}/_bench/mode?delay={delay}&chunks={chunks}&gap={gap}"
                                f"&delivery={delivery}&pieces_min={pmin}&pieces_max={pmax}"
                                f"&pause_min_us={umin}&pause_max_us={umax}&seed={a.seed}")
        return mode

    def fake_stats(self):
        return http("GET", f"{self.fake}/_bench/stats")[1]

    def verify_fake(self):
        """Checks the fake's event stream with zlib's CRC-32 (independent of both the fake and the gateway):
        every frame's prelude and message CRC, the header encoding, and that trickled frames arrive in pieces."""
        out = {}
        for delivery, chunks in (("coalesced", 0), ("trickle", 0), ("trickle", 3)):
            self.fake_mode(chunks=chunks, gap=5, delivery=delivery)
            s = socket.create_connection(("127.0.0.1", self.fake_port), timeout=10)
            body = b'{"conversationState":{"currentMessage":{"userInputMessage":{"content":"bench-stream-0"}}}}'
            s.sendall(b"POST /generateAssistantResponse HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                      b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            data, reads = b"", 0
            while True:
                d = s.recv(65536)
                if not d:
                    break
                data += d
                reads += 1
                if chunks == 0 and b"\r\n\r\n" in data:
                    head, rest = data.split(b"\r\n\r\n", 1)
                    if len(rest) >= int(re.search(rb"Content-Length: (\d+)", head).group(1)):
                        break
                if chunks and data.endswith(b"\r\n0\r\n\r\n"):
                    break
            s.close()
            head, rest = data.split(b"\r\n\r\n", 1)
            if chunks:
                payload = b""
                while True:
                    i = rest.index(b"\r\n")
                    n = int(rest[:i], 16)
                    if n == 0:
                        break
                    payload += rest[i + 2:i + 2 + n]
                    rest = rest[i + 4 + n:]
            else:
                payload = rest
            events = []
            while payload:
                total, hlen, pcrc = struct.unpack(">III", payload[:12])
                if pcrc != zlib.crc32(payload[:8]):
                    raise RuntimeError(f"fake self-check: prelude CRC mismatch ({delivery})")
                if struct.unpack(">I", payload[total - 4:total])[0] != zlib.crc32(payload[:total - 4]):
                    raise RuntimeError(f"fake self-check: message CRC mismatch ({delivery})")
                h, i, headers = payload[12:12 + hlen], 0, {}
                while i < len(h):
                    n = h[i]
                    name = h[i + 1:i + 1 + n].decode()
                    if h[i + 1 + n] != 7:
                        raise RuntimeError("fake self-check: header type is not string")
                    vlen = struct.unpack(">H", h[i + 2 + n:i + 4 + n])[0]
                    headers[name] = h[i + 4 + n:i + 4 + n + vlen].decode()
                    i += 4 + n + vlen
                json.loads(payload[12 + hlen:total - 4])
                events.append(headers[":event-type"])
                payload = payload[total:]
            if events[-1] != "contextUsageEvent" or events.count("meteringEvent") != 1:
                raise RuntimeError(f"fake self-check: unexpected events {events}")
            out[f"{delivery}_{'stream' if chunks else 'full'}"] = {"frames": len(events), "reads": reads}
        out["ok"] = True
        return out

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

    def client(self, port, path, fmt, key, extra, timeout=120, cpus=None):
        exe = os.path.join(self.build, "bench", "drawbridge-bench-streamclient")
        cmd = [exe, "--port", str(port), "--path", path, "--format", fmt, *extra]
        if key:
            cmd += ["--key", key]
        pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, preexec_fn=pin)
        if out.returncode != 0:
            raise RuntimeError(f"stream client failed: {out.stderr}")
        return json.loads(out.stdout)

    def measured_client(self, port, path, fmt, key, extra, gateway=None, timeout=180, cpus=None):
        """Runs the stream client and adds CPU seconds (client, fake, gateway, whole machine), the fake's delivery
        counters and the kernel's accept-queue overflows during the run."""
        d0, k0, t0 = listen_drops(), machine_cpu(), time.monotonic()
        c0, f0 = children_cpu(), cpu_seconds(self.fake_proc.pid)
        g0 = cpu_seconds(gateway.pid) if gateway else 0.0
        u0 = cpu_split(gateway.pid) if gateway else (0.0, 0.0)
        s0 = read_syscalls(gateway.pid) if gateway else 0
        r = self.client(port, path, fmt, key, extra, timeout=timeout, cpus=cpus)
        if gateway:
            # All its sockets (clients and upstream) and event-fd wake-ups, reads that found nothing included: an
            # upper bound, set beside the fake's piece count to see that the gateway did read piece by piece.
            r["gateway_read_syscalls"] = read_syscalls(gateway.pid) - s0
        wall = time.monotonic() - t0
        d1, k1 = listen_drops(), machine_cpu()
        r["cpu_s"] = {"client": round(children_cpu() - c0, 3),
                      "fake": round(cpu_seconds(self.fake_proc.pid) - f0, 3),
                      "gateway": round(cpu_seconds(gateway.pid) - g0, 3) if gateway else None,
                      "machine_busy": round((k1[0] - k0[0]) / CLK_TCK, 3),
                      "machine_total": round((k1[1] - k0[1]) / CLK_TCK, 3),
                      "machine_steal": round((k1[2] - k0[2]) / CLK_TCK, 3),
                      "wall_s": round(wall, 3)}
        if gateway:
            u1 = cpu_split(gateway.pid)
            r["cpu_s"]["gateway_user"] = round(u1[0] - u0[0], 3)
            r["cpu_s"]["gateway_system"] = round(u1[1] - u0[1], 3)
        ours = r["cpu_s"]["client"] + r["cpu_s"]["fake"] + (r["cpu_s"]["gateway"] or 0)
        # What other processes on the machine (other engineers' compilers, say) took during the run.
        r["cpu_s"]["others"] = round(max(0.0, r["cpu_s"]["machine_busy"] - ours), 3)
        r["listen_overflows"] = d1["overflows"] - d0["overflows"]
        r["fake_stats"] = self.fake_stats()
        fs = r["fake_stats"]
        # Share of the fake's pieces whose timer fired more than 1 ms late: when it is high the fake itself did not
        # keep the schedule (the machine was short of CPU), and the run's gap figures say more about that.
        r["fake_late_share"] = round(fs["late_pieces"] / fs["pieces"], 4) if fs["pieces"] else 0.0
        return r

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
        phases = set(PHASES) if a.phases == "all" else set() if a.phases == "none" else set(a.phases.split(","))
        unknown = phases - set(PHASES)
        if unknown:
            raise SystemExit(f"unknown phases {sorted(unknown)}; known: {', '.join(PHASES)}")
        self.admin = secrets.token_hex(16)
        self.start_fake()
        cfg = self.write_config()
        R = self.results
        R["machine"] = machine(os.path.join(a.build_dir, "bench", "drawbridge-bench-proxyfloor"))
        R["phases"] = sorted(phases, key=PHASES.index)
        R["upstream"] = "tls" if a.upstream_tls else "plain"
        R["delivery"] = {"streaming_phases": a.delivery, "non_streaming_phases": "coalesced",
                         "pieces_per_frame": a.pieces, "pause_us": a.pause_us, "seed": a.seed}
        R["fake_self_check"] = self.verify_fake()
        log(f"fake upstream self-check (zlib CRC-32): {R['fake_self_check']}")

        # Cold start: spawn to the listening line, median of several starts.
        if "cold" in phases:
            colds = []
            for _ in range(a.cold_runs):
                p, _, cold = self.start_gateway(cfg)
                colds.append(cold * 1000)
                self.stop(p)
            R["cold_start_ms"] = {"runs": [round(c, 1) for c in colds],
                                  "median": round(statistics.median(colds), 1), "max": round(max(colds), 1)}
            log(f"cold start median {R['cold_start_ms']['median']} ms")

        if phases & {"latency", "throughput", "cpu", "agent", "streaming", "slow"}:
            self.run_main(cfg, phases)
        if "trickle" in phases:
            R["trickle"] = self.trickle_phase(cfg)
        if a.teammode:
            R["teammode"] = self.teammode_phase(cfg)

        if a.check:
            R["instructions"] = self.instruction_check(cfg)
        R["budgets"] = budgets(R)
        return R

    def run_main(self, cfg, phases):
        a = self.args
        R = self.results
        self.gw, port, _ = self.start_gateway(cfg)
        self.gw_port = port
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
        if "latency" in phases:
            log("latency at c=1")
            direct = self.direct_wrk(1, a.seconds)
            gw = self.gw_wrk(key, 1, a.seconds)
            R["latency_c1"] = {"direct": direct, "gateway": gw,
                               "added_us": {k: round(gw["latency_us"][k] - direct["latency_us"][k], 1)
                                            for k in ("p50", "p90", "p99", "p999", "max")}}

        # 2. Throughput with a 20 ms upstream at 32 and 128 connections.
        if "throughput" in phases:
            self.fake_mode(delay=20)
            for conns in (32, 128):
                log(f"throughput at c={conns}, 20 ms upstream")
                direct = self.direct_wrk(conns, a.seconds)
                self.fake_mode(delay=20)  # resets the fake's peak-connections counter
                gw = self.gw_wrk(key, conns, a.seconds)
                gw["upstream_peak_connections"] = self.fake_stats()["peak_open"]
                R[f"throughput_c{conns}"] = {"direct": direct, "gateway": gw,
                                             "ratio": round(gw["rps"] / direct["rps"], 4),
                                             "added_p99_us": round(gw["latency_us"]["p99"] - direct["latency_us"]["p99"], 1)}

        # CPU per request under load, upstream answering at once (the gateway is the only work).
        if "cpu" in phases:
            self.fake_mode()
            log("CPU per request under load (c=32, immediate upstream)")
            gw = self.gw_wrk(key, 32, a.seconds)
            R["cpu_under_load"] = {"gateway": gw}

        # Agent-shaped bodies (issue 18): CPU per request and per KiB, both dialects.
        if "agent" in phases:
            R["agent"] = self.agent_phase(key)

        # 3. Streaming: 64 chunks 5 ms apart, a handful of concurrent streams.
        if "streaming" in phases:
            log(f"streaming TTFB and chunk gaps ({a.delivery} delivery)")
            self.fake_mode(chunks=64, gap=5, delivery=a.delivery)
            sargs = ["--mode", "stream", "--streams", str(a.streams), "--expect", "64"]
            direct = self.client(self.fake_port, "/generateAssistantResponse", "kiro", None, sargs)
            self.fake_mode(chunks=64, gap=5, delivery=a.delivery)
            gw = self.client(port, "/v1/chat/completions", "sse", key, sargs)
            R["streaming"] = {"delivery": a.delivery, "direct": direct, "gateway": gw,
                              "added_ttfb_us": {k: round(gw["ttfb_us"][k] - direct["ttfb_us"][k], 1)
                                                for k in ("p50", "p99")},
                              "added_gap_us": {k: round(gw["gap_us"][k] - direct["gap_us"][k], 1)
                                               for k in ("p50", "p99")}}

        # 4. 1,024 concurrent slow streams: 64 chunks, --slow-gap-ms apart.
        if "slow" in phases:
            log(f"{a.slow_streams} concurrent slow streams ({a.delivery} delivery)")
            self.fake_mode(chunks=64, gap=a.slow_gap_ms, delivery=a.delivery)
            sargs = ["--mode", "stream", "--streams", str(a.slow_streams), "--expect", "64", "--timeout-s", "60"]
            direct = self.measured_client(self.fake_port, "/generateAssistantResponse", "kiro", None, sargs)
            self.fake_mode(chunks=64, gap=a.slow_gap_ms, delivery=a.delivery)  # resets the fake's counters
            gw = self.measured_client(port, "/v1/chat/completions", "sse", key, sargs, gateway=self.gw)
            gw["gateway_cpu_s"] = gw["cpu_s"]["gateway"]
            # How many upstream connections the gateway held open at once during the run (the fake's peak).
            gw["upstream_peak_connections"] = gw["fake_stats"]["peak_open"]
            R["slow_streams"] = {"delivery": a.delivery, "direct": direct, "gateway": gw,
                                 "completed": gw["completed"], "stalled": gw["streams"] - gw["completed"]}

        # 5. Memory: peak and after the load ends.
        self.fake_mode()
        time.sleep(a.settle_s)
        mem_after = mem_kb(self.gw.pid)
        R["rss_kb"].update({"peak": mem_after["VmHWM"], "after": mem_after["VmRSS"]})
        R["rss_kb"]["after_vs_idle"] = round(mem_after["VmRSS"] / mem_idle["VmRSS"] - 1, 4)
        self.stop(self.gw)

    def agent_bodies(self):
        """Writes the agent-shaped bodies once per run; returns {(dialect, kib): (path, size, info)}."""
        if getattr(self, "_agent_bodies", None) is None:
            out = {}
            sizes = tuple(int(s) for s in self.args.agent_sizes.split(","))
            for (dialect, kib), (body, info) in agentbodies.bodies(self.args.agent_seed, sizes).items():
                path = os.path.join(self.tmp, f"agent-{dialect}-{kib}k.json")
                with open(path, "wb") as f:
                    f.write(body)
                out[(dialect, kib)] = (path, len(body), info)
            self._agent_bodies = out
        return self._agent_bodies

    @staticmethod
    def agent_route(dialect):
        return "/v1/chat/completions" if dialect == "openai" else "/v1/messages"

    def agent_phase(self, key):
        """Gateway CPU per agent-shaped request: one keep-alive connection, requests one after another, the fake
        answering at once (coalesced). CPU is the gateway's utime+stime from /proc (all threads) over the batch,
        which is steady on a shared machine; wall-clock latency is not reported here for that reason. The batch
        is sized to take about --agent-cpu-s of gateway CPU, so that the clock tick (10 ms) is below 1 %."""
        a = self.args
        self.fake_mode()
        ref = self.start_reference_gateway() if a.reference_gateway else None

        def measure(proc, port, route, key, extra, what):
            """CPU per request of `proc` (all its threads, from /proc) over a batch sized to --agent-cpu-s."""
            self.client(port, route, "sse", key, extra + ["--requests", "20"])  # warm-up
            c0 = cpu_seconds(proc.pid)
            probe = self.client(port, route, "sse", key, extra + ["--requests", "50"])
            per = max(1e-5, (cpu_seconds(proc.pid) - c0) / max(1, probe["completed"]))
            n = int(min(a.agent_max_requests, max(100, a.agent_cpu_s / per)))
            (u0, s0), t0, k0 = cpu_split(proc.pid), time.monotonic(), machine_cpu()
            r = self.client(port, route, "sse", key, extra + ["--requests", str(n)], timeout=600)
            u1, s1 = cpu_split(proc.pid)
            k1 = machine_cpu()
            done = r["completed"]
            if done != n or r.get("failures"):
                raise RuntimeError(f"agent phase: {what}: {done}/{n} completed: {r.get('failures')}")
            return {"requests": done, "cpu_s": (u1 - u0) + (s1 - s0), "user_s": u1 - u0, "system_s": s1 - s0,
                    "wall_s": time.monotonic() - t0, "steal": (k1[2] - k0[2]) / max(1, k1[1] - k0[1])}

        rows = []
        for (dialect, kib), (path, size, info) in sorted(self.agent_bodies().items()):
            route = self.agent_route(dialect)
            extra = ["--mode", "fixed", "--body-file", path] + (
                ["--vary", agentbodies.TURN_TOKEN] if a.agent_fresh_tail else []) + sdk_header_args(
                dialect if a.agent_sdk_headers else None)
            m = measure(self.gw, self.gw_port, route, key, extra, f"{dialect} {kib} KiB")
            done, cpu, steal = m["requests"], m["cpu_s"], m["steal"]
            us = cpu * 1e6 / done
            rows.append({"dialect": dialect, "fresh_tail": a.agent_fresh_tail, "sdk_headers": a.agent_sdk_headers,
                         "target_kib": kib, "bytes": size,
                         "kib": round(size / 1024, 1),
                         **info, "requests": done, "gateway_cpu_s": round(cpu, 3),
                         "wall_s": round(m["wall_s"], 2),
                         "cpu_us_per_request": round(us, 1), "cpu_us_per_kib": round(us / (size / 1024), 2),
                         # The kernel's part (loopback sockets) is out of the gateway's hands; the user part is its code.
                         "user_us_per_request": round(m["user_s"] * 1e6 / done, 1),
                         "system_us_per_request": round(m["system_s"] * 1e6 / done, 1),
                         "machine_steal_share": round(steal, 3)})
            log(f"agent {dialect:<9} {size / 1024:6.1f} KiB: {us:8.1f} µs CPU/request ({us / (size / 1024):.2f} µs/KiB, "
                f"user {m['user_s'] * 1e6 / done:.1f} + system {m['system_s'] * 1e6 / done:.1f} µs, {done} requests, "
                f"{steal * 100:.0f} % of the machine's time stolen by the hypervisor)")
            if ref:
                # Right after the gateway's batch, the same body through the reference: drifts of a shared machine
                # hit both about equally.
                rp, rport = ref
                rm = measure(rp, rport, route, "bench", extra + self.reference_headers(dialect), f"portkey {dialect} {kib} KiB")
                rus = rm["cpu_s"] * 1e6 / rm["requests"]
                entry = {"gateway": a.reference_gateway, "requests": rm["requests"],
                         "cpu_us_per_request": round(rus, 1), "machine_steal_share": round(rm["steal"], 3),
                         "drawbridge_share": round(us / rus, 4)}
                issue_us = self.ISSUE18_PORTKEY_US.get(kib)
                if issue_us:
                    # This machine's figure set on the issue's machine, by the reference's ratio between the two:
                    # an estimate (a Node process and this one need not slow down alike), labelled as such.
                    entry["drawbridge_us_on_issue_machine"] = round(us * issue_us / rus, 1)
                rows[-1]["reference"] = entry
                log(f"  {a.reference_gateway} {dialect:<9} {size / 1024:6.1f} KiB: {rus:8.1f} µs CPU/request; Drawbridge "
                    f"{us / rus * 100:.1f} % of it" + (f", {entry['drawbridge_us_on_issue_machine']:.0f} µs set on the "
                                                       f"issue's machine" if issue_us else ""))
        if ref:
            self.stop(ref[0])
        # Marginal cost per KiB: least-squares slope of CPU over size, per dialect (the fixed cost drops out).
        slopes = {}
        for dialect in sorted({r["dialect"] for r in rows}):
            pts = [(r["kib"], r["cpu_us_per_request"]) for r in rows if r["dialect"] == dialect]
            if len(pts) >= 2:
                mx, my = statistics.mean(p[0] for p in pts), statistics.mean(p[1] for p in pts)
                sxx = sum((x - mx) ** 2 for x, _ in pts)
                slopes[dialect] = round(sum((x - mx) * (y - my) for x, y in pts) / sxx, 2) if sxx else None
        return {"seed": a.agent_seed, "rows": rows, "slope_us_per_kib": slopes}

    def teammode_phase(self, cfg):
        """Team mode (issue 17, docs/team-mode.md): latency at c=1 and gateway CPU per request at c=32 with the
        storage on a private PostgreSQL (one rate-window upsert per request, the ledger batched), next to the same
        figures on SQLite measured in this phase, so the difference is the cost of sharing."""
        a = self.args
        pg = BenchPostgres(self.tmp)
        out = {}
        try:
            for mode in ("sqlite", "postgresql"):
                mcfg = cfg
                if mode == "postgresql":
                    mcfg = os.path.join(self.tmp, "team.toml")
                    with open(cfg) as src, open(mcfg, "w") as dst:
                        dst.write(src.read() + f'\n[storage]\nurl = "{pg.url()}"\n')
                    os.environ["DRAWBRIDGE_SECRET_KEY"] = secrets.token_hex(32)
                try:
                    self.gw, port, _ = self.start_gateway(mcfg)
                finally:
                    os.environ.pop("DRAWBRIDGE_SECRET_KEY", None)
                self.gw_url = f"http://127.0.0.1:{port}"
                key = self.provision(port, 2)
                self.fake_mode()
                self.gw_wrk(key, 1, 2)  # warm-up
                if mode == "postgresql":
                    pg.reset_statements()
                log(f"team mode: {mode} latency at c=1")
                p0 = pg.cpu_s()
                lat = self.gw_wrk(key, 1, a.seconds)
                c1_statements = pg.statements() if mode == "postgresql" else []
                log(f"team mode: {mode} CPU per request at c=32")
                p1 = pg.cpu_s()
                load = self.gw_wrk(key, 32, a.seconds)
                p2 = pg.cpu_s()
                out[mode] = {"latency_c1_us": lat["latency_us"], "rps_c1": round(lat["rps"], 1),
                             "gateway_cpu_us_per_request_c32": round(load["gateway_cpu_us_per_request"], 1),
                             "rps_c32": round(load["rps"], 1), "errors": lat["error_total"] + load["error_total"]}
                if mode == "postgresql":
                    # Statements per request while serving (renewals, heartbeat and the ledger's batches
                    # included), at c=1 and over both loads; each statement is one round trip.
                    both = pg.statements()
                    n1, n_all = max(1, lat["requests"]), max(1, lat["requests"] + load["requests"])
                    out[mode]["statements_per_request_c1"] = round(sum(c for c, _ in c1_statements) / n1, 3)
                    out[mode]["statements_per_request"] = round(sum(c for c, _ in both) / n_all, 3)
                    # The request path's own: the key's window and the account's slots (the ledger, the
                    # renewals and the heartbeat run on other threads or timers).
                    hot = [c for c, q in both if "rate_windows" in q or "slot_leases" in q]
                    out[mode]["request_path_statements_per_request"] = round(sum(hot) / n_all, 4)
                    out[mode]["statements"] = [{"calls_per_request": round(c / n_all, 4), "query": q[:160]}
                                               for c, q in both[:12]]
                    out[mode]["postgres_cpu_us_per_request_c1"] = round((p1 - p0) * 1e6 / max(1, lat["requests"]), 1)
                    out[mode]["postgres_cpu_us_per_request_c32"] = round((p2 - p1) * 1e6 / max(1, load["requests"]), 1)
                self.stop(self.gw)
        finally:
            pg.stop()
        s, t = out["sqlite"], out["postgresql"]
        out["added_p50_us"] = round(t["latency_c1_us"]["p50"] - s["latency_c1_us"]["p50"], 1)
        out["added_p99_us"] = round(t["latency_c1_us"]["p99"] - s["latency_c1_us"]["p99"], 1)
        out["added_gateway_cpu_us_per_request"] = round(
            t["gateway_cpu_us_per_request_c32"] - s["gateway_cpu_us_per_request_c32"], 1)
        out["target_added_p50_us"] = 500
        log(f"team mode: {t['request_path_statements_per_request']} statements per request on the request path "
            f"(window and slots; at most 1 wanted), {t['statements_per_request']} in all over both loads "
            f"({t['statements_per_request_c1']} at c=1); the most frequent:")
        for st in t["statements"][:6]:
            log(f"    {st['calls_per_request']:.4f}/request  {st['query'][:100]}")
        log(f"team mode: p50 +{out['added_p50_us']} µs (target ≤ +500), gateway CPU/request "
            f"+{out['added_gateway_cpu_us_per_request']} µs, PostgreSQL CPU/request "
            f"{t['postgres_cpu_us_per_request_c32']} µs at c=32")
        return out

    def trickle_phase(self, cfg):
        """--trickle-runs pairs of (direct, gateway) runs; the headline is the median run (by added gap p99), the
        budgets use the median of each added figure and the worst completion count."""
        a = self.args
        log(f"trickled streams: {a.trickle_streams} concurrent, {a.trickle_frames} frames {a.trickle_gap_ms} ms "
            f"apart, pieces {a.pieces} per frame, {a.pause_us} µs pauses, seed {a.seed}, {a.trickle_runs} run(s)")
        runs = []
        for i in range(a.trickle_runs):
            r = self.trickle_once(cfg)
            log(f"  run {i + 1}: {r['completed']}/{r['streams']} complete (direct {r['direct_completed']}), added "
                f"first delta p99 {r['added_ttfb_us']['p99'] / 1000:.1f} ms, added gap p99 "
                f"{r['added_gap_us']['p99'] / 1000:.2f} ms, other processes {r['gateway']['cpu_s']['others']} CPU s, "
                f"stolen by the hypervisor {r['gateway']['cpu_s']['machine_steal']} s")
            if r["reference"]:
                ref = r["reference"]
                log(f"         haproxy: {ref['completed']}/{r['streams']} complete, added first delta p99 "
                    f"{ref['added_ttfb_us']['p99'] / 1000:.1f} ms, added gap p99 {ref['added_gap_us']['p99'] / 1000:.2f} ms, "
                    f"CPU {ref['run']['cpu_s']['gateway']} s (user {ref['run']['cpu_s']['gateway_user']}, "
                    f"system {ref['run']['cpu_s']['gateway_system']})")
            runs.append(r)
        order = sorted(range(len(runs)), key=lambda i: runs[i]["added_gap_us"]["p99"])
        out = dict(runs[order[len(order) // 2]])
        out["median_run"] = order[len(order) // 2] + 1
        out["runs"] = [{"completed": r["completed"], "direct_completed": r["direct_completed"],
                        "added_ttfb_us": r["added_ttfb_us"], "added_gap_us": r["added_gap_us"],
                        "ttfb_us": {"direct": r["direct"]["ttfb_us"], "gateway": r["gateway"]["ttfb_us"]},
                        "gap_us": {"direct": r["direct"]["gap_us"], "gateway": r["gateway"]["gap_us"]},
                        "cpu_s": {"direct": r["direct"]["cpu_s"], "gateway": r["gateway"]["cpu_s"]},
                        "failures": r["gateway"]["failures"],
                        "gateway_read_syscalls": r["gateway"].get("gateway_read_syscalls"),
                        "fake_late_pieces": {"direct": r["direct"]["fake_stats"]["late_pieces"],
                                             "gateway": r["gateway"]["fake_stats"]["late_pieces"]},
                        "fake_late_share": {"direct": r["direct"]["fake_late_share"],
                                            "gateway": r["gateway"]["fake_late_share"]},
                        "pieces": r["gateway"]["fake_stats"]["pieces"],
                        "reference": r["reference"] and {
                            "proxy": r["reference"]["proxy"], "completed": r["reference"]["completed"],
                            "added_ttfb_us": r["reference"]["added_ttfb_us"],
                            "added_gap_us": r["reference"]["added_gap_us"],
                            "ttfb_us": r["reference"]["run"]["ttfb_us"], "gap_us": r["reference"]["run"]["gap_us"],
                            "cpu_s": r["reference"]["run"]["cpu_s"]}} for r in runs]
        out["completed_min"] = min(r["completed"] for r in runs)
        if all(r["reference"] for r in runs):
            out["reference_median_added"] = {
                f: {k: round(statistics.median(r["reference"][f][k] for r in runs), 1) for k in ("p50", "p99")}
                for f in ("added_ttfb_us", "added_gap_us")}
        out["median_added"] = {f: {k: round(statistics.median(r[f][k] for r in runs), 1) for k in ("p50", "p99")}
                               for f in ("added_ttfb_us", "added_gap_us")}
        return out

    # Issue 18's table: Portkey 1.15.2's CPU per request on the filer's machine, OpenAI bodies of these sizes (KiB).
    ISSUE18_PORTKEY_US = {5: 3300, 57: 3650, 144: 5625, 417: 8750}

    def start_reference_gateway(self):
        """Portkey (bench/reference, `npm ci` there), the Node gateway issue 18 measured Drawbridge beside: it
        forwards the same OpenAI or Anthropic bodies to the fake's provider-shaped routes without translating them.
        Its CPU per request, measured in the same run, is a yardstick for the machine: the issue's own figures for it
        relate this machine's figures to the machine the issue's targets were set on."""
        here = os.path.dirname(os.path.abspath(__file__))
        entry = os.path.join(here, "reference", "node_modules", "@portkey-ai", "gateway", "build", "start-server.js")
        node = shutil.which("node")
        if not node or not os.path.exists(entry):
            raise RuntimeError("--reference-gateway portkey: run `npm ci` in bench/reference (scripts/bench does)")
        port = free_port()
        env = dict(os.environ, NODE_ENV="production", PORT=str(port))
        p = subprocess.Popen([node, entry, f"--port={port}", "--headless"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env)
        self.procs.append(p)
        wait_port(p, port, "portkey")
        return p, port

    def reference_headers(self, dialect):
        """The headers that route a request through Portkey to the fake, as its docs give them."""
        h = ["--header", f"x-portkey-custom-host: {self.fake}/v1"]
        if dialect == "openai":
            return h + ["--header", "x-portkey-provider: openai"]
        return h + ["--header", "x-portkey-provider: anthropic", "--header", "x-api-key: bench",
                    "--header", "anthropic-version: 2023-06-01"]

    def start_reference_proxy(self):
        """HAProxy in HTTP mode in front of the fake, forwarding without translation: what any proxy adds on this
        machine for the same streams (two accepts, two connects, every piece relayed), the floor the gateway's added
        figures can be set beside. Its threads default to the cores, as HAProxy's own default does."""
        exe = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not os.path.exists(exe):
            raise RuntimeError("--reference-proxy haproxy: haproxy is not installed (apt-get install haproxy)")
        port = free_port()
        cfg = os.path.join(self.tmp, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(f"""global
    maxconn 8192
defaults
    mode http
    # Relay each piece as it comes (no MSG_MORE batching), as a streaming gateway must.
    option http-no-delay
    timeout connect 5s
    timeout client 120s
    timeout server 120s
frontend bench
    bind 127.0.0.1:{port}
    maxconn 8192
    default_backend fake
backend fake
    server fake 127.0.0.1:{self.fake_port} maxconn 4096
""")
        p = subprocess.Popen([exe, "-f", cfg, "-db"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        wait_port(p, port, f"haproxy (config {cfg})")
        return p, port

    def trickle_once(self, cfg):
        """1,024 concurrent streams of 20 frames 50 ms apart, every frame cut into pieces sent apart, directly and
        through a fresh gateway (its own accounts, so that nothing earlier in the run can have cooled them)."""
        a = self.args
        n, frames, gap = a.trickle_streams, a.trickle_frames, a.trickle_gap_ms
        gw, port, _ = self.start_gateway(cfg)
        key = self.provision(port, a.trickle_accounts)
        self.fake_mode()
        self.client(port, "/v1/chat/completions", "sse", key, ["--mode", "fixed", "--requests", "100"])
        self.client(self.fake_port, "/generateAssistantResponse", "kiro", None, ["--mode", "fixed", "--requests", "100"])
        time.sleep(0.5)
        # With --pin the load generators (fake and client) share CPU 0 and the gateway (all its threads) has CPU 1,
        # so that the fake's ~70,000 send()s per second do not take the gateway's core, and the direct run has the
        # same single core for the fake and client as the gateway run.
        pinned = a.pin and (os.cpu_count() or 1) >= 2
        gen_cpus = {0} if pinned else None
        if pinned:
            os.sched_setaffinity(self.fake_proc.pid, {0})
            for tid in os.listdir(f"/proc/{gw.pid}/task"):
                os.sched_setaffinity(int(tid), {1})
        sargs = ["--mode", "stream", "--streams", str(n), "--expect", str(frames),
                 "--timeout-s", str(a.trickle_timeout_s)]
        mode = self.fake_mode(chunks=frames, gap=gap, delivery="trickle")
        direct = self.measured_client(self.fake_port, "/generateAssistantResponse", "kiro", None, sargs,
                                      cpus=gen_cpus)
        self.fake_mode(chunks=frames, gap=gap, delivery="trickle")  # resets the fake's counters
        time.sleep(0.5)
        g = self.measured_client(port, "/v1/chat/completions", "sse", key, sargs, gateway=gw, cpus=gen_cpus)
        if pinned:
            os.sched_setaffinity(self.fake_proc.pid, set(range(os.cpu_count())))
        g["upstream_peak_connections"] = g["fake_stats"]["peak_open"]
        ref = None
        if a.reference_proxy:
            hp, hport = self.start_reference_proxy()
            self.fake_mode(chunks=frames, gap=gap, delivery="trickle")
            self.client(hport, "/generateAssistantResponse", "kiro", None, ["--mode", "fixed", "--requests", "100"])
            self.fake_mode(chunks=frames, gap=gap, delivery="trickle")
            time.sleep(0.5)
            ref = self.measured_client(hport, "/generateAssistantResponse", "kiro", None, sargs, gateway=hp,
                                       cpus=gen_cpus)
            self.stop(hp)
            self.fake_mode(chunks=frames, gap=gap, delivery="trickle")
        rss = mem_kb(gw.pid)
        g["rss_kb"] = {"after": rss["VmRSS"], "peak": rss["VmHWM"]}
        self.fake_mode()
        self.stop(gw)

        def added(field, through=None):
            through = through or g
            return {k: round(through[field][k] - direct[field][k], 1) for k in ("p50", "p90", "p99", "max")}
        reference = None
        if ref:
            reference = {"proxy": "haproxy", "run": ref, "completed": ref["completed"],
                         "added_ttfb_us": added("ttfb_us", ref), "added_gap_us": added("gap_us", ref)}
        return {"reference": reference, "streams": n, "frames": frames, "gap_ms": gap, "accounts": a.trickle_accounts, "slots_per_account": 64,
                "pinned": pinned,
                "fake_mode": mode, "direct": direct, "gateway": g,
                "completed": g["completed"], "direct_completed": direct["completed"],
                "added_ttfb_us": added("ttfb_us"), "added_gap_us": added("gap_us")}

    # ---- instruction-count guard -----------------------------------------------------------------------------
    def instruction_check(self, cfg):
        """Gateway instructions per request, measured with callgrind between dumps: the one-message request, and
        the 144 KiB agent-shaped request of each dialect (issue 18). Bounded: --check-requests small requests and
        --check-agent-requests agent requests per dialect (about a minute under valgrind)."""
        a = self.args
        log("instruction count under callgrind")
        self.fake_mode()
        out = os.path.join(self.tmp, "callgrind.out")
        wrapper = ["valgrind", "--tool=callgrind", "--collect-atstart=yes", f"--callgrind-out-file={out}.%p"]
        p, port, _ = self.start_gateway(cfg, wrapper=wrapper, timeout=120)
        key = self.provision(port, 1)
        budget_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), "budget.json")
        with open(budget_file) as f:
            budget = json.load(f)
        # The top level holds the Release budgets (scripts/bench); --budget-profile picks another build's, e.g.
        # the RelWithDebInfo ci build that CTest checks.
        if a.budget_profile:
            budget = budget["profiles"][a.budget_profile]
        tolerance = budget.get("tolerance", 0.10)
        agent = self.agent_bodies()
        kib = 144 if any(k == 144 for _, k in agent) else max(k for _, k in agent)
        cases = [("small", "/v1/chat/completions", [], a.check_requests, budget["instructions_per_request"])]
        # --agent-fresh-tail: each request's last message is new, as an agent's (the budgets are set without).
        vary = ["--vary", agentbodies.TURN_TOKEN] if a.agent_fresh_tail else []
        for dialect in ("openai", "anthropic"):
            cases.append((f"agent-{dialect}-{kib}k", self.agent_route(dialect),
                          ["--body-file", agent[(dialect, kib)][0], *vary], a.check_agent_requests,
                          budget.get("agent", {}).get(f"{dialect}_{kib}k", 0)))
        # The small agent request too (issue 18: 3.6 KiB, 2 tools): recorded, held to a budget once budget.json
        # has one ("openai_5k", ...).
        small_kib = min(k for _, k in agent)
        if small_kib != kib:
            for dialect in ("openai", "anthropic"):
                cases.append((f"agent-{dialect}-{small_kib}k", self.agent_route(dialect),
                              ["--body-file", agent[(dialect, small_kib)][0], *vary], a.check_agent_requests,
                              budget.get("agent", {}).get(f"{dialect}_{small_kib}k", 0)))
        results = {}
        try:
            for label, route, extra, n, limit_base in cases:
                first = None
                if extra:
                    # The body's first request, its memos empty (an agent's first call, or a new conversation:
                    # tools, texts and tool inputs all missed): recorded beside the budgeted warm figure.
                    subprocess.run(["callgrind_control", "-z", str(p.pid)], capture_output=True, timeout=60,
                                   check=True)
                    self.client(port, route, "sse", key, ["--mode", "fixed", "--requests", "1", *extra], timeout=300)
                    subprocess.run(["callgrind_control", "-d", f"first-{label}", str(p.pid)], capture_output=True,
                                   timeout=60, check=True)
                    first = round(self.callgrind_total(f"first-{label}", keep_as=f"first-{label}"))
                # Warm up, then zero the counters, run exactly n requests, dump with a label of its own.
                self.client(port, route, "sse", key, ["--mode", "fixed", "--requests", "10" if extra else "50",
                                                      *extra], timeout=300)
                subprocess.run(["callgrind_control", "-z", str(p.pid)], capture_output=True, timeout=60, check=True)
                r = self.client(port, route, "sse", key, ["--mode", "fixed", "--requests", str(n), *extra],
                                timeout=600)
                subprocess.run(["callgrind_control", "-d", f"measured-{label}", str(p.pid)], capture_output=True,
                               timeout=60, check=True)
                total = self.callgrind_total(f"measured-{label}", keep_as=label)
                per = total / max(1, r["completed"])
                limit = limit_base * (1 + tolerance)
                # A budget of 0 means "not set yet": record the figure without failing.
                results[label] = {"requests": r["completed"], "instructions": total, "per_request": round(per),
                                  "budget": limit_base, "limit": round(limit),
                                  "ok": r["completed"] == n and (limit_base == 0 or per <= limit)}
                if first is not None:
                    results[label]["first_request"] = first
                log(f"  {label}: {round(per):,} instructions per request (budget {limit_base:,})"
                    + (f"; the body's first request {first:,}" if first is not None else ""))
        finally:
            self.stop(p, 60)
        small = results.pop("small")
        small["agent"] = results
        small["ok_all"] = small["ok"] and all(v["ok"] for v in results.values())
        return small

    def callgrind_total(self, trigger, keep_as=None):
        """Ir total of the dump whose trigger is exactly `trigger` (callgrind_control -d TRIGGER). With
        --keep-callgrind DIR the dump is copied there as callgrind.out.<keep_as>, for callgrind_annotate."""
        for _ in range(100):
            for f in os.listdir(self.tmp):
                if not f.startswith("callgrind.out"):
                    continue
                with open(os.path.join(self.tmp, f)) as fh:
                    text = fh.read()
                head = text.split("events:")[0]
                if not re.search(rf"^desc: Trigger:.*\b{re.escape(trigger)}\s*$", head, re.M):
                    continue
                m = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.M)
                if m:
                    if keep_as and self.args.keep_callgrind:
                        os.makedirs(self.args.keep_callgrind, exist_ok=True)
                        shutil.copy(os.path.join(self.tmp, f),
                                    os.path.join(self.args.keep_callgrind, f"callgrind.out.{keep_as}"))
                    return int(m.group(1))
            time.sleep(0.1)  # the dump is written asynchronously to callgrind_control's return
        raise RuntimeError(f"no callgrind dump {trigger!r} in {self.tmp}")


def machine(proxy_floor_binary=None):
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
            "loadavg_at_start": [round(x, 2) for x in load], "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "idle": idle_state(), "calibration": calibration(proxy_floor_binary)}


HALT_POLL_NS = "/sys/module/haltpoll/parameters/guest_halt_poll_ns"
HALT_POLL_DEFAULT_NS = 200000  # the guest kernel's own default for guest_halt_poll_ns


def read_text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def idle_state():
    """How this machine's idle CPUs wait (docs/performance.md, "The floor at concurrency 1 is the guest's idle
    setting"). In a KVM guest whose cpuidle driver is haltpoll, an idle vCPU polls for up to guest_halt_poll_ns
    before it halts; a halted vCPU costs its waker an IPI and a VM exit, and every request at concurrency 1 wakes
    one at least twice, so this one setting moves the c=1 figures by half. Recorded with every run."""
    ns = read_text(HALT_POLL_NS)
    return {"cpuidle_driver": read_text("/sys/devices/system/cpu/cpuidle/current_driver"),
            "cpuidle_governor": read_text("/sys/devices/system/cpu/cpuidle/current_governor"),
            "guest_halt_poll_ns": int(ns) if ns is not None and ns.isdigit() else None}


def describe_idle(idle):
    if not idle or not idle.get("cpuidle_driver"):
        return ""
    text = f"; idle CPUs: {idle['cpuidle_driver']}"
    if idle.get("guest_halt_poll_ns") is not None:
        text += (f", guest halt polling {idle['guest_halt_poll_ns']:,} ns (the guest kernel's default is "
                 f"{HALT_POLL_DEFAULT_NS:,}; at 0 an idle vCPU halts at once and each wake-up costs an inter-processor interrupt)")
    return text


class HaltPolling:
    """--halt-poll-ns: sets the guest's halt polling for the run and puts the old value back afterwards, even
    when the run fails or is interrupted (root only; an experiment switch, never the default)."""

    def __init__(self, ns):
        self.ns, self.old = ns, None

    def __enter__(self):
        if self.ns is None:
            return self
        old = read_text(HALT_POLL_NS)
        if old is None:
            raise SystemExit(f"bench: --halt-poll-ns needs the haltpoll cpuidle driver ({HALT_POLL_NS} is missing)")
        try:
            with open(HALT_POLL_NS, "w") as f:
                f.write(str(self.ns))
        except OSError as e:
            raise SystemExit(f"bench: --halt-poll-ns: cannot write {HALT_POLL_NS} ({e.strerror}; needs root)")
        self.old = old
        log(f"guest halt polling set to {self.ns:,} ns for this run (was {int(old):,})")
        return self

    def __exit__(self, *exc):
        if self.old is not None:
            with open(HALT_POLL_NS, "w") as f:
                f.write(self.old)
            log(f"guest halt polling back to {int(self.old):,} ns")
        return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(p, port, what, timeout=10):
    """Waits until @p port accepts connections; raises if process @p exits first or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if p.poll() is not None:
                raise RuntimeError(f"{what} exited ({p.returncode})")
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start listening within {timeout} s")


def calibration(proxy_floor_binary=None):
    """Fixed pieces of work timed on this machine (best of 5, process CPU time), so that runs on different
    machines can be set side by side: the machines of this project report the same model name
    ("Intel(R) Xeon(R) Processor") and still differ by half in the gateway's CPU per request (docs/performance.md,
    "The same request on this machine"). A pure-Python integer loop for the core's speed, and copying 64 MiB for
    memory bandwidth (the gateway's large requests are copied several times). Where the build has it,
    drawbridge-bench-proxyfloor too (best of 3): the CPU a relay that does no work at all pays per request at
    concurrency 1, in system calls, sleeps and wake-ups, which on a virtual machine is most of a small request's
    cost (docs/performance.md, "The floor at concurrency 1")."""
    def best(work):
        times = []
        for _ in range(5):
            t0 = time.process_time()
            work()
            times.append(time.process_time() - t0)
        return min(times)
    k0 = machine_cpu()
    loop_s = best(lambda: sum(i * i for i in range(1_000_000)))
    src = bytearray(64 << 20)
    dst = bytearray(64 << 20)
    dst[:] = src  # its pages faulted in before the timing: the copy alone is measured

    def copy():
        dst[:] = src
    copy_s = best(copy)
    k1 = machine_cpu()
    result = {"python_loop_ms": round(loop_s * 1000, 1),
              "copy_gb_per_s": round((64 << 20) / max(copy_s, 1e-9) / 1e9, 2),
              "steal_share": round((k1[2] - k0[2]) / max(1, k1[1] - k0[1]), 3)}
    if proxy_floor_binary and os.path.exists(proxy_floor_binary):
        floors = []
        for _ in range(3):
            out = subprocess.run([proxy_floor_binary, "--requests", "5000"], capture_output=True, text=True,
                                 timeout=60)
            m = re.search(r"proxy floor: ([0-9.]+) us", out.stdout)
            if out.returncode == 0 and m:
                floors.append(float(m.group(1)))
        if floors:
            result["proxy_floor_us"] = min(floors)
    return result


def budgets(R):
    def row(name, value, limit, unit, ok):
        return {"name": name, "value": value, "limit": limit, "unit": unit, "met": bool(ok)}
    b = []
    if "cpu_under_load" in R:
        cpu = R["cpu_under_load"]["gateway"]["gateway_cpu_us_per_request"]
        b.append(row("gateway CPU per request under load", round(cpu, 1), 100, "µs", cpu <= 100))
    if "latency_c1" in R:
        added = R["latency_c1"]["added_us"]
        b.append(row("added latency p50 at c=1", added["p50"], 100, "µs", added["p50"] <= 100))
        b.append(row("added latency p99 at c=1", added["p99"], 300, "µs", added["p99"] <= 300))
    if "throughput_c32" in R:
        t32, t128 = R["throughput_c32"]["ratio"], R["throughput_c128"]["ratio"]
        b.append(row("throughput vs direct, c=32, 20 ms upstream", round(t32 * 100, 1), 97, "%", t32 >= 0.97))
        b.append(row("throughput vs direct, c=128, 20 ms upstream", round(t128 * 100, 1), 97, "%", t128 >= 0.97))
    if "streaming" in R:
        v = R["streaming"]["added_ttfb_us"]["p50"]
        b.append(row(f"added time to first byte (p50, {R['streaming']['delivery']})", v, 300, "µs", v <= 300))
    if "slow_streams" in R:
        st = R["slow_streams"]["stalled"]
        b.append(row(f"1,024 concurrent streams, none stalled ({R['slow_streams']['delivery']})", st, 0, "stalled",
                     st == 0))
    if "trickle" in R:
        t = R["trickle"]
        m, runs = t["median_added"], len(t["runs"])
        b.append(row(f"trickled streams complete ({t['streams']} × {t['frames']} frames, every frame split; "
                     f"worst of {runs} runs)", t["completed_min"], t["streams"], "streams",
                     t["completed_min"] == t["streams"]))
        b.append(row(f"trickled: added first-byte latency p99 (median of {runs} runs)",
                     round(m["added_ttfb_us"]["p99"] / 1000, 2), 50, "ms",
                     t["gateway"]["ttfb_us"]["count"] > 0 and m["added_ttfb_us"]["p99"] <= 50_000))
        b.append(row(f"trickled: added inter-chunk gap p99 (median of {runs} runs)",
                     round(m["added_gap_us"]["p99"] / 1000, 2), 1, "ms",
                     t["gateway"]["gap_us"]["count"] > 0 and m["added_gap_us"]["p99"] <= 1_000))
    if "rss_kb" in R:
        rss = R["rss_kb"]
        b.append(row("idle RSS", round(rss["idle"] / 1024, 1), 40, "MB", rss["idle"] <= 40 * 1024))
        b.append(row("RSS after load within 10 % of idle", round(rss["after_vs_idle"] * 100, 1), 10, "%",
                     rss["after_vs_idle"] <= 0.10))
    if "cold_start_ms" in R:
        c = R["cold_start_ms"]["median"]
        b.append(row("cold start (median)", c, 200, "ms", c <= 200))
    if "instructions" in R:
        i = R["instructions"]
        b.append(row("instructions per request (callgrind)", i["per_request"], i["limit"], "instr", i["ok"]))
        for label, v in i.get("agent", {}).items():
            b.append(row(f"instructions per {label} request (callgrind)", v["per_request"], v["limit"], "instr",
                         v["ok"]))
    if "agent" in R:
        for r in R["agent"]["rows"]:
            if r["target_kib"] == 144:
                b.append(row(f"agent {r['dialect']} 144 KiB: gateway CPU per request", r["cpu_us_per_request"], 300,
                             "µs", r["cpu_us_per_request"] <= 300))
            if r["bytes"] < 5 * 1024:
                b.append(row(f"agent {r['dialect']} {r['kib']} KiB: gateway CPU per request",
                             r["cpu_us_per_request"], 100, "µs", r["cpu_us_per_request"] <= 100))
        for dialect, slope in R["agent"]["slope_us_per_kib"].items():
            if slope is not None:
                b.append(row(f"agent {dialect}: CPU growth per KiB (slope over the sizes)", slope, 2, "µs/KiB",
                             slope <= 2))
    return b


def stream_table(title, s):
    L = [f"{title:<60}TTFB p50  TTFB p99   gap p50   gap p99  complete"]
    for name in ("direct", "gateway"):
        v = s[name]
        L.append(f"  {name:<54}{v['ttfb_us']['p50']:>9.0f}{v['ttfb_us']['p99']:>10.0f}{v['gap_us']['p50']:>10.0f}"
                 f"{v['gap_us']['p99']:>10.0f}{v['completed']:>6}/{v['streams']}")
    return L


def table(R):
    L = []
    m = R.get("machine", {})
    if "calibration" in m:
        c = m["calibration"]
        L.append(f"Machine: {m['nproc']} cores, {m['cpu']}, kernel {m['kernel']}; calibration (compare machines by it): "
                 f"Python loop {c['python_loop_ms']} ms, memory copy {c['copy_gb_per_s']} GB/s, "
                 f"{c.get('steal_share', 0) * 100:.0f} % of the machine's time stolen by the hypervisor meanwhile"
                 + (f"; a relay doing nothing costs {c['proxy_floor_us']} µs CPU per request at c=1"
                    if "proxy_floor_us" in c else "") + describe_idle(m.get("idle")))
    if R.get("upstream") == "tls":
        L.append("Upstream: TLS (--upstream-tls; HAProxy terminates it in front of the fake): gateway figures include "
                 "its TLS client")
    if "latency_c1" in R:
        lc = R["latency_c1"]
        L.append("Latency at c=1, non-streaming (µs)      p50      p90      p99    p99.9      max")
        for name in ("direct", "gateway"):
            v = lc[name]["latency_us"]
            L.append(f"  {name:<36}" + "".join(f"{v[k]:>9.0f}" for k in ("p50", "p90", "p99", "p999", "max")))
        v = lc["added_us"]
        L.append(f"  {'added by the gateway':<36}" + "".join(f"{v[k]:>9.0f}" for k in ("p50", "p90", "p99", "p999", "max")))
        floor = m.get("calibration", {}).get("proxy_floor_us")
        L.append(f"Gateway CPU per request at c=1: {lc['gateway']['gateway_cpu_us_per_request']:.0f} µs"
                 + (f" (of which a relay doing nothing pays {floor} µs on this machine)" if floor else ""))
    if "cpu_under_load" in R:
        c = R["cpu_under_load"]["gateway"]
        L.append(f"Gateway CPU per request, c=32 immediate upstream: {c['gateway_cpu_us_per_request']:.0f} µs "
                 f"({c['rps']:.0f} req/s)")
    if "throughput_c32" in R:
        L.append("Throughput, 20 ms upstream          direct req/s  gateway req/s   ratio  direct p99  gw p99  errors")
        for c in (32, 128):
            t = R[f"throughput_c{c}"]
            L.append(f"  c={c:<33}{t['direct']['rps']:>12.0f}{t['gateway']['rps']:>15.0f}{t['ratio'] * 100:>7.1f}%"
                     f"{t['direct']['latency_us']['p99'] / 1000:>10.1f}ms{t['gateway']['latency_us']['p99'] / 1000:>6.1f}ms"
                     f"{t['gateway']['error_total']:>8}  (gateway→upstream connections at peak "
                     f"{t['gateway'].get('upstream_peak_connections')}, CPU {t['gateway']['gateway_cpu_us_per_request']:.0f} µs/req)")
    if "streaming" in R:
        s = R["streaming"]
        L += stream_table(f"Streaming, 64 chunks 5 ms apart, {s['gateway']['streams']} streams, {s['delivery']} (µs)", s)
    if "slow_streams" in R:
        ss = R["slow_streams"]
        L.append(f"Slow streams ({ss['delivery']}): {ss['gateway']['completed']}/{ss['gateway']['streams']} complete via gateway "
                 f"({ss['direct']['completed']}/{ss['direct']['streams']} direct), first-delta p99 "
                 f"{ss['gateway']['ttfb_us']['p99'] / 1000:.1f} ms (direct {ss['direct']['ttfb_us']['p99'] / 1000:.1f} ms), "
                 f"gap p99 {ss['gateway']['gap_us']['p99'] / 1000:.1f} ms, "
                 f"upstream connections at peak {ss['gateway'].get('upstream_peak_connections')}, "
                 f"statuses {ss['gateway'].get('statuses')}, accept-queue overflows {ss['gateway'].get('listen_overflows')} "
                 f"(direct {ss['direct'].get('listen_overflows')})")
        if ss["gateway"].get("failures"):
            L.append(f"  failures: {ss['gateway']['failures']}")
    if "trickle" in R:
        t = R["trickle"]
        L.append(f"Trickled streams: {t['streams']} × {t['frames']} frames {t['gap_ms']} ms apart, {len(t['runs'])} runs "
                 f"(direct and gateway in each, fresh gateway each run)")
        for i, r in enumerate(t["runs"]):
            L.append(f"  run {i + 1}: {r['completed']}/{t['streams']} complete (direct {r['direct_completed']}); added "
                     f"first delta p50 {r['added_ttfb_us']['p50'] / 1000:.1f} / p99 {r['added_ttfb_us']['p99'] / 1000:.1f} ms, "
                     f"gap p50 {r['added_gap_us']['p50'] / 1000:.2f} / p99 {r['added_gap_us']['p99'] / 1000:.2f} ms; "
                     f"gateway CPU {r['cpu_s']['gateway']['gateway']} s in {r['cpu_s']['gateway']['wall_s']} s, "
                     f"other processes {r['cpu_s']['direct']['others']} / {r['cpu_s']['gateway']['others']} CPU s, "
                     f"stolen {r['cpu_s']['direct'].get('machine_steal', 0)} / "
                     f"{r['cpu_s']['gateway'].get('machine_steal', 0)} s, "
                     f"fake pieces >1 ms late {r['fake_late_share']['direct'] * 100:.0f} % / "
                     f"{r['fake_late_share']['gateway'] * 100:.0f} % (direct / gateway run)")
        L.append(f"  median of runs: added first delta p50 {t['median_added']['added_ttfb_us']['p50'] / 1000:.1f} ms, "
                 f"p99 {t['median_added']['added_ttfb_us']['p99'] / 1000:.1f} ms; added gap p50 "
                 f"{t['median_added']['added_gap_us']['p50'] / 1000:.2f} ms, p99 {t['median_added']['added_gap_us']['p99'] / 1000:.2f} ms")
        L += stream_table(f"  median run (run {t['median_run']}) in detail (µs)", t)
        a1, a2 = t["added_ttfb_us"], t["added_gap_us"]
        L.append(f"  added by the gateway: first delta p50 {a1['p50'] / 1000:.2f} ms, p99 {a1['p99'] / 1000:.2f} ms; "
                 f"gap p50 {a2['p50'] / 1000:.3f} ms, p99 {a2['p99'] / 1000:.3f} ms")
        for name in ("direct", "gateway"):
            v = t[name]
            c = v["cpu_s"]
            fs = v["fake_stats"]
            L.append(f"  {name}: statuses {v['statuses']}, reads {v['reads']}, frames {v['frames']} "
                     f"(split across reads at the client: {v['split_frames']}), fake pieces {fs['pieces']}, "
                     f"frames cut by the fake {fs['frames_split']}, pieces >1 ms late {fs['late_pieces']} "
                     f"(max {fs['max_late_us'] / 1000:.1f} ms), accept-queue overflows {v['listen_overflows']}")
            L.append(f"    CPU s over {c['wall_s']:.1f} s: client {c['client']}, fake {c['fake']}, gateway {c['gateway']}, "
                     f"other processes {c['others']}; machine busy {c['machine_busy']} of {c['machine_total']}, "
                     f"stolen by the hypervisor {c.get('machine_steal', 0)}")
            if v.get("failures"):
                L.append(f"    failures: {v['failures']}")
        if "gateway_read_syscalls" in t["gateway"]:
            L.append(f"  gateway read() calls during its run: {t['gateway']['gateway_read_syscalls']} for "
                     f"{t['gateway']['fake_stats']['pieces']} pieces of {t['direct']['frames']} frames (all its sockets; "
                     f"fewer calls than pieces means pieces merged before it read them)")
        L.append(f"  gateway→upstream connections at peak {t['gateway']['upstream_peak_connections']}, "
                 f"gateway RSS after {t['gateway']['rss_kb']['after'] / 1024:.1f} MB (peak {t['gateway']['rss_kb']['peak'] / 1024:.1f} MB)")
    if "rss_kb" in R:
        r = R["rss_kb"]
        L.append(f"RSS: idle {r['idle'] / 1024:.1f} MB, peak {r['peak'] / 1024:.1f} MB, after {r['after'] / 1024:.1f} MB "
                 f"({r['after_vs_idle'] * 100:+.1f} % vs idle)")
    if "cold_start_ms" in R:
        L.append(f"Cold start to listening line: median {R['cold_start_ms']['median']} ms (runs {R['cold_start_ms']['runs']})")
    if "agent" in R:
        L.append("Agent-shaped bodies (one keep-alive connection, sequential)   KiB  turns  CPU µs/request    µs/KiB")
        for r in R["agent"]["rows"]:
            L.append(f"  {r['dialect']:<58}{r['kib']:>6.1f}{r['turns']:>7}{r['cpu_us_per_request']:>16.1f}"
                     f"{r['cpu_us_per_kib']:>10.2f}")
        refs = [r for r in R["agent"]["rows"] if r.get("reference")]
        if refs:
            L.append(f"Beside {refs[0]['reference']['gateway']} (same bodies, same run)   KiB  its CPU µs  Drawbridge share"
                     "  Drawbridge µs set on issue 18's machine")
            for r in refs:
                x = r["reference"]
                on = x.get("drawbridge_us_on_issue_machine")
                L.append(f"  {r['dialect']:<45}{r['kib']:>6.1f}{x['cpu_us_per_request']:>12.1f}"
                         f"{x['drawbridge_share'] * 100:>17.1f} %{on if on is not None else '-':>28}")
        L.append(f"  CPU growth per KiB (least-squares slope): {R['agent']['slope_us_per_kib']}")
    if "instructions" in R:
        i = R["instructions"]
        L.append(f"Instructions per request (callgrind): {i['per_request']:,} (budget {i['budget']:,}, limit {i['limit']:,})")
        for label, v in i.get("agent", {}).items():
            first = f"; its first request {v['first_request']:,}" if "first_request" in v else ""
            L.append(f"  {label}: {v['per_request']:,} (budget {v['budget']:,}, limit {v['limit']:,}){first}")
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
    ap.add_argument("--check-agent-requests", type=int, default=20,
                    help="--check: agent-shaped requests (144 KiB, each dialect) under callgrind")
    ap.add_argument("--budget-profile", metavar="NAME",
                    help="--check: use budget.json's profiles[NAME] (e.g. RelWithDebInfo for the ci build)")
    ap.add_argument("--keep-callgrind", metavar="DIR",
                    help="--check: keep each measured callgrind dump in DIR (callgrind.out.small, …)")
    ap.add_argument("--agent-sizes", default="5,57,144,417", help="agent phase: body sizes in KiB")
    ap.add_argument("--agent-seed", type=int, default=18, help="agent phase: seed of the body generator")
    ap.add_argument("--agent-fresh-tail", action="store_true",
                    help="agent phase: each request's last message differs (its index written into it), as an "
                         "agent's next call does; by default every request sends the same bytes")
    ap.add_argument("--agent-sdk-headers", action="store_true",
                    help="agent phase: each request also carries the header fields the official SDK of its dialect "
                         "sends (x-stainless-*, anthropic-version, …: 11–16 more fields)")
    ap.add_argument("--agent-cpu-s", type=float, default=1.5,
                    help="agent phase: gateway CPU seconds to spend per body (sets the number of requests)")
    ap.add_argument("--agent-max-requests", type=int, default=5000)
    ap.add_argument("--teammode", action="store_true",
                    help="also the team-mode phase: storage on a private PostgreSQL vs SQLite (docs/team-mode.md)")
    ap.add_argument("--phases", default="all", help=f"comma-separated subset of {','.join(PHASES)} (default all; none: only --check)")
    ap.add_argument("--delivery", choices=("trickle", "coalesced"), default="trickle",
                    help="how the fake delivers the streaming and slow phases (the trickle phase always trickles)")
    ap.add_argument("--pieces", default="2-4", help="trickle: pieces per event-stream frame, MIN-MAX")
    ap.add_argument("--pause-us", default="1000-3000", help="trickle: pause between pieces in µs, MIN-MAX")
    ap.add_argument("--seed", type=int, default=12, help="the fake's PRNG seed for cuts and pauses")
    ap.add_argument("--trickle-streams", type=int, default=1024)
    ap.add_argument("--trickle-frames", type=int, default=20)
    ap.add_argument("--trickle-gap-ms", type=int, default=50)
    ap.add_argument("--trickle-accounts", type=int, default=16, help="64 slots each; 16 × 64 = 1,024")
    ap.add_argument("--trickle-timeout-s", type=int, default=60)
    ap.add_argument("--trickle-runs", type=int, default=3, help="direct+gateway pairs, each on a fresh gateway")
    ap.add_argument("--reference-proxy", choices=("haproxy",), default=None,
                    help="trickle phase: also run the direct load through HAProxy (no translation), the floor any "
                         "proxy adds on this machine (needs the haproxy package)")
    ap.add_argument("--reference-gateway", choices=("portkey",), default=None,
                    help="agent phase: also measure Portkey 1.15.2 (bench/reference; issue 18's peer) on the same bodies, "
                         "forwarding them untranslated to the fake, right after each of the gateway's batches; reports "
                         "Drawbridge's share of its CPU and, by the issue's Portkey figures, the gateway's on that machine")
    ap.add_argument("--upstream-tls", action="store_true",
                    help="the gateway's Kiro calls go over TLS (HAProxy terminates it in front of the fake, with a CA "
                         "made for the run as kiro.ca_file), as to the real service; CPU figures then include the "
                         "gateway's TLS client. Direct runs still talk to the fake in plain HTTP")
    ap.add_argument("--pin", action=argparse.BooleanOptionalAction, default=False,
                    help="trickle phase: fake and client on CPU 0, gateway on CPU 1 (default off: the direct run's "
                         "fake and client then share one core and the baseline gets worse)")
    ap.add_argument("--halt-poll-ns", type=int, default=None, metavar="NS",
                    help="set the guest's halt polling (haltpoll cpuidle driver) to NS for the run and restore it "
                         "afterwards; root only. An experiment: the c=1 figures depend on it (the guest kernel's "
                         "default is 200000; some VMs boot with 0). Every run records the value in effect")
    a = ap.parse_args()
    if a.halt_poll_ns is not None and a.halt_poll_ns < 0:
        ap.error("--halt-poll-ns must be 0 or more")
    # Each stream costs the gateway two descriptors (client and upstream side): raise the soft limit to the hard one,
    # as scripts/bench does, and say so plainly if even that is too low for the phases asked for.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    need = 2 * max(a.slow_streams, a.trickle_streams) + 256
    if hard != resource.RLIM_INFINITY and hard < need:
        log(f"warning: open-file limit {hard} is below the {need} descriptors the stream phases need")
    # A SIGTERM (a timeout around the run) unwinds like ^C, so the halt polling is put back.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    with HaltPolling(a.halt_poll_ns):
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
    if a.check and not R["instructions"]["ok_all"]:
        print("bench --check: instruction budget exceeded", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Splits the instructions of the 144 KiB agent request into phases, from callgrind dumps (issue 18), and draws
them as a chart for docs/performance.md (stdlib only; needs valgrind's callgrind_annotate).

Make the dumps with `python3 bench/bench.py --build-dir build/release --phases none --check --keep-callgrind DIR`
(once per build to compare), then:

    bench/agent_phases.py --build before=DIR1 --build after=DIR2 [--requests 20] [--json out.json] [--chart out.svg]

A phase is the inclusive cost of the functions that do it, divided by the requests the dump measured (bench.py's
--check-agent-requests, 20 by default); "rest" is the whole program (every thread) minus the phases:
  read       HttpServerConnection::onReadyRead minus HttpServerConnection::dispatch (the HTTP front door)
  parse      the dialect's request parser (OpenAiRequestParser::parse, AnthropicRequestParser::parse)
  translate  KiroRequestBuilder::build (the Kiro body, written)
  estimate   AnthropicTokenCounter::estimate (the Anthropic renderer's input-token estimate), where it shows
  rest       upstream send and receive, event parse, render, usage ledger, event loop
"""
import argparse
import json
import os
import re
import subprocess
import sys

DIALECTS = [("openai", "OpenAI"), ("anthropic", "Anthropic")]
PHASES = [("read", "read (HTTP front door)", "#95a5a6"),
          ("parse", "parse (client JSON)", "#2e86de"),
          ("translate", "translate + write the Kiro body", "#e67e22"),
          ("estimate", "Anthropic token estimate", "#8e44ad"),
          ("rest", "rest (upstream I/O, events, render, ledger, loop)", "#27ae60")]

LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$")


def inclusive_costs(dump):
    """Function name → inclusive Ir, and the program total, from callgrind_annotate."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", dump],
                         check=True, capture_output=True, text=True).stdout
    costs, total = {}, None
    for line in out.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        ir, what = int(m.group(1).replace(",", "")), m.group(2)
        if what.startswith("PROGRAM TOTALS"):
            total = ir
            continue
        # "file:function [object]"; keep the largest entry of a name (callgrind lists a function once per
        # object it is found in).
        name = what.split(":", 1)[1] if ":" in what else what
        name = re.sub(r"\s+\[[^\]]*\]$", "", name)
        costs[name] = max(costs.get(name, 0), ir)
    if total is None:
        sys.exit(f"{dump}: no PROGRAM TOTALS line")
    return costs, total


def pick(costs, pattern):
    """The largest inclusive cost among functions whose name matches @p pattern (0 if none)."""
    rx = re.compile(pattern)
    return max((ir for name, ir in costs.items() if rx.search(name)), default=0)


def phases(dump, requests):
    costs, total = inclusive_costs(dump)
    read_all = pick(costs, r"^Drawbridge::HttpServerConnection::onReadyRead\(\)$")
    dispatch = pick(costs, r"^Drawbridge::HttpServerConnection::dispatch\(\)$")
    p = {
        "read": read_all - dispatch,
        "parse": pick(costs, r"^Drawbridge::(OpenAi|Anthropic)RequestParser::parse\("),
        "translate": pick(costs, r"^Drawbridge::KiroRequestBuilder::build\("),
        "estimate": pick(costs, r"^Drawbridge::AnthropicTokenCounter::estimate\("),
    }
    if not read_all or not p["parse"] or not p["translate"]:
        sys.exit(f"{dump}: the read, parse or translate functions are missing (a build without symbols?)")
    p["rest"] = total - sum(p.values())
    if p["rest"] < 0:
        sys.exit(f"{dump}: the phases add up to more than the whole program (a phase counted twice?)")
    p = {k: v / requests for k, v in p.items()}
    p["total"] = total / requests
    return p


def chart(results, builds, out):
    """Stacked bars per dialect and build on one scale; below, the last build's bars on a scale of their own,
    since the first panel shrinks them to slivers when the builds differ by an order of magnitude."""
    W, left, right, rowh, gap = 860, 230, 40, 24, 8
    panels = [("all builds, one scale", [(f"{title}, {b}", results[b][d]) for d, title in DIALECTS for b in builds])]
    if len(builds) > 1:
        panels.append((f"{builds[-1]} alone", [(f"{title}, {builds[-1]}", results[builds[-1]][d])
                                                  for d, title in DIALECTS]))
    pw = W - left - right
    s = []
    y0 = 44
    for caption, rows in panels:
        vmax = max(r["total"] for _, r in rows)
        step = next(v for v in (1e5, 2e5, 2.5e5, 5e5, 1e6, 2e6, 5e6, 1e7, 2e7) if vmax / v <= 8)
        hi = step * (int(vmax / step) + 1)

        def x(v):
            return left + v / hi * pw

        s.append(f'<text x="{left}" y="{y0 + 14}" font-weight="bold">{caption}</text>')
        top = y0 + 26
        bottom = top + len(rows) * (rowh + gap) - gap
        t = 0.0
        while t <= hi + 1:
            s.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top - 4}" y2="{bottom}" stroke="#ddd"/>')
            s.append(f'<text x="{x(t):.1f}" y="{bottom + 15}" text-anchor="middle">{t / 1e6:g} M</text>')
            t += step
        for i, (label, r) in enumerate(rows):
            y = top + i * (rowh + gap)
            s.append(f'<text x="{left - 8}" y="{y + rowh / 2 + 4:.1f}" text-anchor="end">{label}</text>')
            acc = 0.0
            for key, _, color in PHASES:
                v = r[key]
                if v <= 0:
                    continue
                s.append(f'<rect x="{x(acc):.1f}" y="{y}" width="{x(acc + v) - x(acc):.1f}" height="{rowh}" '
                         f'fill="{color}"/>')
                acc += v
            s.append(f'<text x="{x(acc) + 6:.1f}" y="{y + rowh / 2 + 4:.1f}">{r["total"] / 1e6:.2f} M</text>')
        y0 = bottom + 30
    for j, (_, name, color) in enumerate(PHASES):
        lx = 40 + (j % 3) * 270
        ly = y0 + 4 + (j // 3) * 20
        s.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{color}"/>')
        s.append(f'<text x="{lx + 18}" y="{ly + 10}">{name}</text>')
    H = y0 + 50
    head = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" '
            f'font-size="12">', f'<rect width="{W}" height="{H}" fill="white"/>',
            f'<text x="{W / 2}" y="24" text-anchor="middle" font-size="15">Instructions per 144 KiB agent '
            f'request, by phase (callgrind, all threads)</text>']
    with open(out, "w") as f:
        f.write("\n".join(head + s + ["</svg>"]) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", action="append", required=True, metavar="LABEL=DIR",
                    help="a --keep-callgrind directory and its label; repeat to compare builds")
    ap.add_argument("--requests", type=int, default=20, help="requests per dump (bench.py --check-agent-requests)")
    ap.add_argument("--json", help="write the phases to this file")
    ap.add_argument("--chart", help="draw the chart to this SVG file")
    a = ap.parse_args()
    builds, results = [], {}
    for spec in a.build:
        label, _, folder = spec.partition("=")
        if not folder:
            sys.exit(f"--build {spec}: expected LABEL=DIR")
        builds.append(label)
        results[label] = {d: phases(os.path.join(folder, f"callgrind.out.agent-{d}-144k"), a.requests)
                          for d, _ in DIALECTS}
    keys = [k for k, _, _ in PHASES] + ["total"]
    print("| Phase (instructions per request) | " + " | ".join(f"{t} {b}" for _, t in DIALECTS for b in builds) + " |")
    print("|---|" + "---|" * (len(DIALECTS) * len(builds)))
    for k in keys:
        name = dict((p, n) for p, n, _ in PHASES).get(k, "total")
        print(f"| {name} | " + " | ".join(f"{results[b][d][k] / 1e6:.2f} M" for d, _ in DIALECTS for b in builds)
              + " |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    if a.chart:
        chart(results, builds, a.chart)
        print(a.chart)


if __name__ == "__main__":
    main()

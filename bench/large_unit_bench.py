#!/usr/bin/env python3
"""The "one large unit" scenario of bench/run: opsgate on generated CloudFormation and
Terraform units of about 1,000, 5,000 and 15,000 resources (bench/large_unit.py), and on
the hostile modules of tests/data/hostile/, each timed over several runs (median wall
time, peak RSS from GNU time).

    bench/large_unit_bench.py OPSGATE WORK_DIR [--runs N] [--check]

Targets (issue 16): the 15,000-resource template under 1.5 s with no evaluation
time-limit error; ms per resource at 15,000 no more than 1.5x that at 1,000 (each
format); each hostile module under 2 s and 200 MB, exit code 2, with a located error.
Prints a table and writes it to WORK_DIR/large-unit.md; --check exits 1 on a missed target.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZES = [1000, 5000, 15000]
TEMPLATE_TARGET_S = 1.5
SCALING_TARGET = 1.5
HOSTILE_TARGET_S = 2.0
HOSTILE_TARGET_MB = 200


def timed(cmd, out):
    """One run: (wall s, max RSS MB, exit code, JSON report)."""
    stats = out + ".time"
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", "-o", stats] + cmd + ["--format", "json", "-o", out],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    wall, rss_kb = open(stats).read().split()[-2:]
    report = None
    try:
        with open(out) as f:
            report = json.load(f)
    except (OSError, ValueError):
        pass
    return float(wall), int(rss_kb) / 1024, proc.returncode, report


def measure(opsgate, path, out, runs):
    results = [timed([opsgate, "scan", "-q", path], out) for _ in range(runs)]
    walls = [r[0] for r in results]
    return {
        "wall": statistics.median(walls),
        "rss": max(r[1] for r in results),
        "code": results[-1][2],
        "report": results[-1][3] or {},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("opsgate")
    ap.add_argument("work")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    work = os.path.join(args.work, "large-unit")
    os.makedirs(work, exist_ok=True)
    lines = ["| unit | resources | median wall | ms / resource | peak RSS | rule time-limit errors |",
             "| --- | --- | --- | --- | --- | --- |"]
    missed = []
    per_res = {}
    for fmt in ("cloudformation", "terraform"):
        for size in SIZES:
            unit = os.path.join(work, f"{fmt}-{size}")
            subprocess.run([sys.executable, os.path.join(ROOT, "bench", "large_unit.py"), fmt, str(size), unit],
                           check=True, stdout=subprocess.DEVNULL)
            # One warm-up run, then the measured ones.
            measure(args.opsgate, unit, os.path.join(work, f"{fmt}-{size}.json"), 1)
            m = measure(args.opsgate, unit, os.path.join(work, f"{fmt}-{size}.json"), args.runs)
            resources = m["report"].get("summary", {}).get("resources", 0)
            limit_errors = [e for e in m["report"].get("errors", []) if "time limit" in e.get("message", "")]
            ms = 1000 * m["wall"] / max(resources, 1)
            per_res[(fmt, size)] = ms
            lines.append(f"| {fmt} | {resources} | {m['wall']:.2f} s | {ms:.3f} | {m['rss']:.0f} MB | {len(limit_errors)} |")
            if limit_errors:
                missed.append(f"{fmt} {size}: {len(limit_errors)} rule(s) hit the evaluation time limit")
            if fmt == "cloudformation" and size == 15000 and m["wall"] >= TEMPLATE_TARGET_S:
                missed.append(f"the 15,000-resource template took {m['wall']:.2f} s (target under {TEMPLATE_TARGET_S} s)")
        ratio = per_res[(fmt, SIZES[-1])] / per_res[(fmt, SIZES[0])]
        lines.append(f"| {fmt}: ms/resource at {SIZES[-1]} / at {SIZES[0]} | | | {ratio:.2f}x | | |")
        if ratio > SCALING_TARGET:
            missed.append(f"{fmt}: ms per resource grows {ratio:.2f}x from {SIZES[0]} to {SIZES[-1]} (target at most {SCALING_TARGET}x)")
    lines += ["", "| hostile module | median wall | peak RSS | exit | error |", "| --- | --- | --- | --- | --- |"]
    hostile = os.path.join(ROOT, "tests", "data", "hostile")
    for name in sorted(os.listdir(hostile)):
        path = os.path.join(hostile, name)
        if not os.path.isdir(path):
            continue
        m = measure(args.opsgate, path, os.path.join(work, f"hostile-{name}.json"), args.runs)
        errors = m["report"].get("errors", [])
        located = [e for e in errors if e.get("line")]
        first = located[0]["message"][:60] + "..." if located else "(none)"
        lines.append(f"| {name} | {m['wall']:.2f} s | {m['rss']:.0f} MB | {m['code']} | {first} |")
        if m["wall"] >= HOSTILE_TARGET_S or m["rss"] >= HOSTILE_TARGET_MB or m["code"] != 2 or not located:
            missed.append(f"hostile {name}: {m['wall']:.2f} s, {m['rss']:.0f} MB, exit {m['code']}, "
                          f"{len(located)} located error(s) (target under {HOSTILE_TARGET_S} s and "
                          f"{HOSTILE_TARGET_MB} MB, exit 2, a located error)")
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(args.work, "large-unit.md"), "w") as f:
        f.write(table + "\n")
    for m in missed:
        print(f"target missed: {m}")
    if not missed:
        print("all large-unit targets met")
    if args.check and missed:
        sys.exit(1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Tables for bench/run: reads target/bench/work/<row>/ and writes results.md and
results.json next to it, and prints the Markdown. Standard library only.

Each row folder holds hyperfine-*.json (wall times), time.txt (GNU time: wall user sys
maxrss_kb per run), rc.txt (exit code per run), stdout/stderr of the last run and,
for opsgate, report.json.
"""

import argparse
import glob
import json
import os
import statistics
import sys

# Exit codes that mean "ran and reported" (anything else is a crash; 124/137 a timeout).
OK_CODES = {
    "opsgate": {0, 1, 2},          # clean / findings / some inputs unreadable (still reported)
    "cfn-lint": {0, 2, 4, 6, 8, 10, 12, 14},  # bit mask of error / warning / informational
    "checkov": {0, 1},             # 2 is checkov's own "crashed"
}
TIMEOUT_CODES = {124, 137}

ROWS = [
    # id, tool, input label, opsgate row it is compared with
    ("opsgate-cfn", "opsgate", "CloudFormation set", None),
    ("cfn-lint", "cfn-lint", "CloudFormation set", "opsgate-cfn"),
    ("opsgate-corpus", "opsgate", "corpus", None),
    ("checkov", "checkov", "corpus", "opsgate-corpus"),
    ("opsgate-one", "opsgate", "one template", None),
    ("opsgate-x25", "opsgate", "corpus x{replicas}", None),
]


def read_lines(path):
    try:
        with open(path) as f:
            return [l.strip() for l in f if l.strip()]
    except OSError:
        return []


def load_json(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def findings_of(tool, d):
    """(findings, extra, report_ok) parsed from the last run's report."""
    if tool == "opsgate":
        r = load_json(os.path.join(d, "report.json"))
        if not isinstance(r, dict) or "summary" not in r:
            return None, {}, False
        s = r["summary"]
        return s.get("findings"), {"files_scanned": s.get("files"), "input_errors": s.get("errors"),
                                   "units": s.get("units"), "resources": s.get("resources")}, True
    out = load_json(os.path.join(d, "stdout"))
    if tool == "cfn-lint":
        if not isinstance(out, list):
            return None, {}, False
        levels = {}
        for m in out:
            lvl = m.get("Level", "?") if isinstance(m, dict) else "?"
            levels[lvl] = levels.get(lvl, 0) + 1
        return len(out), {"by_level": levels}, True
    if tool == "checkov":
        reports = out if isinstance(out, list) else [out] if isinstance(out, dict) else None
        if reports is None:
            return None, {}, False
        failed, parsing, per_type = 0, 0, {}
        for rep in reports:
            if not isinstance(rep, dict):
                continue
            s = rep.get("summary", rep)  # with nothing to report checkov prints the summary alone
            f = int(s.get("failed", 0) or 0)
            failed += f
            parsing += int(s.get("parsing_errors", 0) or 0)
            per_type[rep.get("check_type", "?")] = f
        return failed, {"failed_by_check_type": per_type, "parsing_errors": parsing}, True
    return None, {}, False


def row_data(work, rid, tool):
    d = os.path.join(work, rid)
    if not os.path.isdir(d):
        return None
    walls = []
    for hf in sorted(glob.glob(os.path.join(d, "hyperfine-*.json"))):
        j = load_json(hf) or {}
        for res in j.get("results", []):
            walls += res.get("times", [])
    times = []
    for l in read_lines(os.path.join(d, "time.txt")):
        parts = l.split()
        # GNU time prefixes "Command exited with non-zero status N" / "Command terminated by signal"
        if len(parts) == 4:
            try:
                times.append(tuple(float(x) for x in parts))
            except ValueError:
                pass
    rcs = [int(x) for x in read_lines(os.path.join(d, "rc.txt")) if x.lstrip("-").isdigit()]
    findings, extra, report_ok = findings_of(tool, d)
    timeouts = sum(1 for c in rcs if c in TIMEOUT_CODES)
    bad = [c for c in rcs if c not in OK_CODES[tool] and c not in TIMEOUT_CODES]
    # The last run's report is the one kept: a run that exited "normally" without a
    # readable report is a crash too.
    if rcs and rcs[-1] in OK_CODES[tool] and not report_ok:
        bad.append(rcs[-1])
    status = "ok"
    if timeouts:
        status = "timeout"
    elif bad:
        status = "crash"
    stderr_tail = ""
    try:
        with open(os.path.join(d, "stderr"), encoding="utf-8", errors="replace") as f:
            lines = [l.rstrip() for l in f if l.strip()]
        stderr_tail = "\n".join(lines[-5:])
    except OSError:
        pass
    cpu = [u + s for (_, u, s, _) in times]
    return {
        "id": rid,
        "tool": tool,
        "command": open(os.path.join(d, "command.txt")).read().strip() if os.path.exists(os.path.join(d, "command.txt")) else "",
        "wall_s": walls,
        "wall_median_s": statistics.median(walls) if walls else None,
        "wall_min_s": min(walls) if walls else None,
        "wall_max_s": max(walls) if walls else None,
        "cpu_s": cpu,
        "cpu_median_s": statistics.median(cpu) if cpu else None,
        "max_rss_mb": max(t[3] for t in times) / 1024 if times else None,
        "exit_codes": rcs,
        "timeouts": timeouts,
        "crash_exit_codes": bad,
        "status": status,
        "findings": findings,
        "report": extra,
        "stderr_tail": stderr_tail,
    }


def fmt_s(x):
    if x is None:
        return "—"
    if x < 1:
        return f"{x * 1000:.0f} ms" if x >= 0.01 else f"{x * 1000:.1f} ms"
    return f"{x:.2f} s" if x < 100 else f"{x:.0f} s"


def fmt_mb(x):
    return "—" if x is None else f"{x:.0f} MB"


def fmt_n(x):
    return "—" if x is None else f"{x:,}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--facts", required=True)
    ap.add_argument("--cfn-count", type=int, required=True)
    ap.add_argument("--corpus-count", type=int, required=True)
    ap.add_argument("--replicas", type=int, default=25)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()

    facts = {}
    for l in read_lines(a.facts):
        k, _, v = l.partition("=")
        facts[k] = v

    files_in = {
        "CloudFormation set": a.cfn_count,
        "corpus": a.corpus_count,
        "one template": 1,
        f"corpus x{a.replicas}": a.corpus_count * a.replicas,
    }
    rows = []
    by_id = {}
    for rid, tool, label, base in ROWS:
        label = label.format(replicas=a.replicas)
        r = row_data(a.work, rid, tool)
        if r is None:
            continue
        r["input"] = label
        r["files"] = files_in[label]
        r["compared_with"] = base
        by_id[rid] = r
        rows.append(r)

    # Ratio to opsgate: peer wall / opsgate wall on the same input. A peer that crashed
    # or timed out did not finish, so its time is a lower bound and so is the ratio.
    for r in rows:
        r["ratio"] = None
        r["ratio_is_lower_bound"] = False
        base = by_id.get(r["compared_with"]) if r["compared_with"] else None
        if base and base["wall_median_s"] and r["wall_median_s"]:
            # Timed-out runs: the wall time is the limit itself.
            r["ratio"] = r["wall_median_s"] / base["wall_median_s"]
            r["ratio_is_lower_bound"] = r["status"] != "ok"

    def wall_cell(r):
        if r["status"] == "timeout":
            return f"timeout (> {fmt_s(a.timeout)})"
        return fmt_s(r["wall_median_s"])

    def crash_cell(r):
        runs = len(r["exit_codes"])
        if r["status"] == "timeout":
            return f"timeout ({r['timeouts']}/{runs})"
        if r["crash_exit_codes"]:
            codes = ", ".join(str(c) for c in sorted(set(r["crash_exit_codes"])))
            return f"{len(r['crash_exit_codes'])}/{runs} (exit {codes})"
        return f"0/{runs}"

    def ratio_cell(r):
        if r["compared_with"] is None:
            return "1×" if any(x["compared_with"] == r["id"] for x in rows) else ""
        if r["ratio"] is None:
            return "—"
        return f"{'>' if r['ratio_is_lower_bound'] else ''}{r['ratio']:.1f}×"

    def findings_cell(r):
        if r["findings"] is None:
            return "— (no report)" if r["status"] != "ok" or r["tool"] != "opsgate" else "—"
        return fmt_n(r["findings"])

    lines = []
    lines.append("## opsgate benchmark")
    lines.append("")
    lines.append(f"- machine: {facts.get('nproc', '?')} CPUs, {facts.get('cpu', '?')}, "
                 f"{facts.get('mem_gib', '?')} GiB, {facts.get('kernel', '?')}")
    lines.append(f"- date: {facts.get('date', '?')}")
    tools = [facts.get("opsgate", "opsgate ?")]
    if "cfn_lint" in facts:
        tools.append(facts["cfn_lint"])
    if "checkov" in facts:
        tools.append(facts["checkov"])
    tools.append(facts.get("hyperfine", ""))
    lines.append("- tools: " + "; ".join(t for t in tools if t))
    lines.append(f"- corpus: `{facts.get('corpus', '?')}` ({a.corpus_count:,} files; "
                 f"CloudFormation set: {a.cfn_count:,} files)"
                 + (" — **--quick: opsgate only, fewer runs**" if a.quick else ""))
    lines.append("")
    lines.append("| tool | input | files | wall median | CPU (user+sys) | peak memory | findings | crashes | ratio to opsgate |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---|---:|")
    for r in rows:
        lines.append(
            f"| {r['tool']} | {r['input']} | {fmt_n(r['files'])} | {wall_cell(r)} | "
            f"{fmt_s(r['cpu_median_s'])} | {fmt_mb(r['max_rss_mb'])} | {findings_cell(r)} | "
            f"{crash_cell(r)} | {ratio_cell(r)} |")
    lines.append("")

    # Scaling: cost per file for x1 and xN.
    one, xn = by_id.get("opsgate-corpus"), by_id.get("opsgate-x25")
    scaling = {}
    if one and xn and one["wall_median_s"] and xn["wall_median_s"]:
        f1 = (one["report"] or {}).get("files_scanned") or one["files"]
        fn = (xn["report"] or {}).get("files_scanned") or xn["files"]
        p1, pn = one["wall_median_s"] / f1, xn["wall_median_s"] / fn
        scaling = {"files_x1": f1, "files_xn": fn, "per_file_ms_x1": p1 * 1000,
                   "per_file_ms_xn": pn * 1000, "growth": pn / p1}
        lines.append(f"Scaling (files opsgate read): ×1 {f1:,} files, {p1 * 1000:.2f} ms/file; "
                     f"×{a.replicas} {fn:,} files, {pn * 1000:.2f} ms/file "
                     f"(per-file cost ×{pn / p1:.2f}; 1.00 = linear).")
        lines.append("")

    # Targets.
    def target(name, rid, measure, goal, unit):
        r = by_id.get(rid)
        t = {"target": name, "row": rid, "value": None, "status": "NOT MEASURED", "note": ""}
        if r is None:
            t["note"] = "--quick" if a.quick else "row missing"
            return t
        if rid == "opsgate-x25" and a.replicas != 25:
            t["note"] = f"the target is for ×25; this run replicated ×{a.replicas}"
            return t
        v = measure(r)
        if v is None:
            t["status"] = "NOT MET"
            t["note"] = f"no measurement ({r['status']})"
            return t
        t["value"] = v
        bound = False
        if unit == "x":
            bound = r["ratio_is_lower_bound"]
            met = v >= goal
            shown = f"{'>' if bound else ''}{v:.1f}×"
        elif unit == "MB":
            met = v < goal
            shown = f"{v:.0f} MB"
        else:
            met = v < goal and r["status"] == "ok"
            shown = fmt_s(v)
        t["shown"] = shown
        if met:
            t["status"] = "MET"
        elif bound:
            t["status"] = "UNDECIDED"
            t["note"] = f"{r['tool']} {r['status']}: the ratio is only a lower bound"
        else:
            t["status"] = "NOT MET"
        if r["status"] != "ok" and not t["note"]:
            t["note"] = f"{r['tool']} {r['status']}"
        return t

    targets = [
        target("corpus < 1 s", "opsgate-corpus", lambda r: r["wall_median_s"], 1.0, "s"),
        target("≥ 20× faster than cfn-lint (CloudFormation set)", "cfn-lint", lambda r: r["ratio"], 20, "x"),
        target("≥ 100× faster than checkov (corpus)", "checkov", lambda r: r["ratio"], 100, "x"),
        target("one template < 50 ms", "opsgate-one", lambda r: r["wall_median_s"], 0.050, "s"),
        target("corpus ×25 < 25 s", "opsgate-x25", lambda r: r["wall_median_s"], 25.0, "s"),
        target("corpus ×25 < 500 MB peak memory", "opsgate-x25", lambda r: r["max_rss_mb"], 500, "MB"),
    ]
    lines.append("| target | measured | |")
    lines.append("|---|---:|---|")
    for t in targets:
        status = t["status"] if t["status"] != "MET" else "MET"
        mark = f"**{status}**" if status != "MET" else status
        note = f" ({t['note']})" if t["note"] else ""
        lines.append(f"| {t['target']} | {t.get('shown', '—')} | {mark}{note} |")
    lines.append("")
    lines.append("Wall: median of hyperfine runs (runs per row in results.json). CPU: median user+sys "
                 "of the same runs (GNU time, children included). Peak memory: largest max RSS of "
                 "one process over the runs (for a tool that forks workers, the largest process, "
                 "not the sum). Crashes: runs that exited with a code other than the tool's "
                 "documented result codes, or left no readable JSON report (out of all runs, "
                 "warm-ups included); \">N×\" is a lower bound because the peer did not finish "
                 "(and its CPU and memory cover only the processes that were waited for). The CloudFormation set is every "
                 ".yaml/.yml/.json/.template file outside not-templates/ with "
                 "AWSTemplateFormatVersion, or a top-level Resources key and an AWS::/Custom:: "
                 "type (Terraform plans excluded); both tools get that same list.")
    md = "\n".join(lines) + "\n"

    notes = []
    for r in rows:
        if r["status"] != "ok" and r["stderr_tail"]:
            notes.append(f"{r['tool']} ({r['input']}) {r['status']}, last lines of stderr:\n" +
                         "\n".join("    " + l for l in r["stderr_tail"].splitlines()))
    print(md)
    if notes:
        print("\n".join(notes))
        print()

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write(md)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({"facts": facts, "quick": a.quick, "timeout_s": a.timeout, "rows": rows,
                   "scaling": scaling, "targets": targets}, f, indent=2)
        f.write("\n")
    print(f"written: {os.path.join(a.out, 'results.md')}, {os.path.join(a.out, 'results.json')}")

    unmet = [t for t in targets if t["status"] not in ("MET", "NOT MEASURED")]
    if unmet:
        print("targets not met: " + "; ".join(f"{t['target']} ({t['status']})" for t in unmet))
    if a.check and unmet:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Benchmarks readycheck against the floor (ripgrep) and its peers on synthetic monorepos.

For each size it generates a deterministic tree (gen_monorepo.py), then measures wall time
(median of --runs runs after one warm-up) and peak RSS (from wait4) of:
  - readycheck audit with the full built-in rule set (default threads and --threads 1),
  - rg with every regex of the rule set (the floor: one pass, no parsing),
  - Checkov (dockerfile, kubernetes, github_actions frameworks, --skip-download),
  - Trivy misconfiguration scanning (trivy config, offline flags),
  - hadolint over every Dockerfile.
Peers that are not installed are reported as skipped. Prints a Markdown table.

    python3 benches/bench.py --sizes 10000,50000,100000 --runs 5 [--peers /opt/rc-peers/bin]
    python3 benches/bench.py --rich --sizes 50000,100000 --runs 3 --only readycheck
    python3 benches/bench.py --repo /tmp/real/some-repo --runs 5
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run_once(cmd, cwd=None):
    """Runs a command, returns (wall seconds, peak RSS in MiB, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status)


def measure(cmd, runs, cwd=None):
    run_once(cmd, cwd)  # warm-up: page cache, lazy installs
    walls, rss = [], []
    for _ in range(runs):
        w, r, _ = run_once(cmd, cwd)
        walls.append(w)
        rss.append(r)
    return statistics.median(walls), max(rss)


def find_tool(name, extra_dirs):
    for d in extra_dirs:
        p = os.path.join(d, name)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return shutil.which(name)


def rule_patterns(readycheck):
    out = subprocess.run([readycheck, "rules", "--format", "json"], capture_output=True, text=True, check=True).stdout
    pats = []

    def walk(v, key=None):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, k)
        elif isinstance(v, list):
            for x in v:
                walk(x, key)
        elif isinstance(v, str) and key in ("pattern", "args_match", "matches", "not_matches", "args_not_match", "unless_line"):
            pats.append(v)

    for rule in json.loads(out):
        walk(rule["check"]["params"])
    return sorted(set(pats))


def rg_accepts(rg, pattern):
    """Whether this rg parses the pattern (exit 2 is a parse error; 0 or 1 is a search)."""
    r = subprocess.run([rg, "-U", "-c", "-e", pattern, os.devnull], capture_output=True)
    return r.returncode != 2


def dockerfiles(root):
    found = []
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x not in (".git", "node_modules")]
        found += [os.path.join(d, f) for f in files if f == "Dockerfile" or f.endswith(".Dockerfile")]
    return sorted(found)


def bench_tree(root, files, args, tools, results):
    rc = tools["readycheck"]
    rows = []
    cmd = [rc, "audit", root, "--format", "json", "--exit-zero", "--no-config"]
    rows.append(("readycheck", *measure(cmd, args.runs)))
    rows.append(("readycheck --threads 1", *measure(cmd + ["--threads", "1"], args.runs)))
    if tools["rg"]:
        # Several rule regexes span lines, so rg needs multiline mode (-U) like readycheck,
        # which matches whole files; a regex this rg cannot parse (older regex syntax) is
        # left out and counted, since one bad -e makes rg exit 2 without searching.
        # Named groups are made plain: rg joins every -e into one regex, where two rules'
        # groups of the same name would clash.
        all_pats = [re.sub(r"\(\?P?<([A-Za-z_]\w*)>", "(", p) for p in rule_patterns(rc)]
        pats = [p for p in all_pats if rg_accepts(tools["rg"], p)]
        rg = [tools["rg"], "-U", "--count", "--no-messages", "--hidden", "--no-ignore-vcs"]
        for p in pats:
            rg += ["-e", p]
        code = run_once(rg + [root])[2]
        if code == 2:
            sys.exit(f"rg failed on {root} (exit 2): the floor would be meaningless")
        rows.append((f"rg -U ({len(pats)} of {len(all_pats)} rule regexes)", *measure(rg + [root], args.runs)))
    else:
        rows.append(("rg", None, None))
    if tools["checkov"]:
        ck = [tools["checkov"], "-d", root, "--framework", "dockerfile", "kubernetes", "github_actions",
              "--skip-download", "--quiet", "--compact", "-o", "json"]
        rows.append(("checkov", *measure(ck, max(1, args.peer_runs))))
    else:
        rows.append(("checkov", None, None))
    if tools["trivy"]:
        tv = [tools["trivy"], "config", "--skip-check-update", "--skip-version-check", "--disable-telemetry", "--quiet", root]
        rows.append(("trivy config", *measure(tv, max(1, args.peer_runs))))
    else:
        rows.append(("trivy", None, None))
    if tools["hadolint"]:
        dfs = dockerfiles(root)
        rows.append((f"hadolint ({len(dfs)} Dockerfiles)", *measure([tools["hadolint"], "--no-fail"] + dfs, args.runs)))
    else:
        rows.append(("hadolint", None, None))
    results.append((root, files, rows))


def table(results):
    lines = []
    for root, files, rows in results:
        base = rows[0][1]
        lines.append(f"\n**{os.path.basename(root.rstrip('/'))}** ({files} files)\n")
        lines.append("| tool | wall (median) | per 1k files | peak RSS | vs readycheck |")
        lines.append("|---|---:|---:|---:|---:|")
        for name, wall, rss in rows:
            if wall is None:
                lines.append(f"| {name} | skipped (not installed) | | | |")
                continue
            ratio = wall / base if base else float("nan")
            lines.append(f"| {name} | {wall * 1000:.0f} ms | {wall * 1e6 / max(files, 1):.1f} ms | {rss:.0f} MiB | {ratio:.2f}× |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,50000,100000")
    ap.add_argument("--repo", action="append", default=[], help="benchmark an existing tree instead")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--peer-runs", type=int, default=3, help="runs for the slow peers (checkov, trivy)")
    ap.add_argument("--peers", action="append", default=["/opt/rc-peers/bin"], help="extra dirs to find peers in")
    ap.add_argument("--workdir", default="/tmp/readycheck-bench")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated tools to run (readycheck,rg,checkov,trivy,hadolint)")
    ap.add_argument("--rich", action="store_true",
                    help="trees of the shape that exposed per-context work: one service per 250 files (at least "
                         "200), half with a .dockerignore, nested build contexts, a few large files")
    args = ap.parse_args()

    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    tools = {"readycheck": os.path.join(ROOT, "target", "release", "readycheck")}
    only = {t for t in args.only.split(",") if t}
    for t in ("rg", "checkov", "trivy", "hadolint"):
        tools[t] = find_tool(t, args.peers) if not only or t in only else None
    results = []
    if args.repo:
        for r in args.repo:
            n = sum(len(f) for _, _, f in os.walk(r))
            bench_tree(r, n, args, tools, results)
    else:
        for size in [int(s) for s in args.sizes.split(",")]:
            root = os.path.join(args.workdir, f"{'rich' if args.rich else 'mono'}-{size // 1000}k")
            gen = [sys.executable, os.path.join(HERE, "gen_monorepo.py"), "--files", str(size)]
            if args.rich:
                gen += ["--services", str(max(200, size // 250)), "--dockerignore", "0.5", "--nested", "--large", "4"]
            subprocess.run(gen + [root], check=True, stdout=subprocess.DEVNULL)
            bench_tree(root, size, args, tools, results)
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}")
    print(table(results))


if __name__ == "__main__":
    main()

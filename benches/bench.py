#!/usr/bin/env python3
"""Benchmarks readycheck against the floor (ripgrep) and its peers on synthetic monorepos.

For each size it generates a deterministic tree (gen_monorepo.py), then measures wall time
(median of --runs runs after one warm-up) and peak RSS (from wait4) of:
  - readycheck audit with the full built-in rule set (default threads and --threads 1),
  - the rg floor: `rg --hidden -c -f` with a fixed list of 20 readiness patterns
    (FLOOR_PATTERNS: what a grep-based readiness check would look for; one pass, no parsing),
  - rg with every regex of the rule set (-U, one pass: the same text search readycheck does,
    without its parsing and cross-file checks),
  - Checkov (dockerfile, kubernetes, github_actions frameworks, --skip-download),
  - Trivy misconfiguration scanning (trivy config, offline flags),
  - hadolint over every Dockerfile (the Dockerfiles only, not the tree).
Peers that are not installed are reported as skipped; so are the slow peers (checkov, trivy)
on trees larger than --peer-max-size files. Prints a Markdown table per tree, then the ratios
(readycheck / rg floor, Trivy, Checkov and hadolint / readycheck) and readycheck's cost per
1,000 files at each size. benches/install-peers.sh installs the peers into /opt/rc-peers.

    python3 benches/bench.py --sizes 10000,50000,100000,200000 --runs 5 [--peers /opt/rc-peers/bin]
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

# The rg floor: a fixed list of 20 readiness patterns, one per line for `rg -f`. Fixed so that
# the floor does not move with the rule set; the "rg all rule regexes" row follows the rules.
FLOOR_PATTERNS = [
    r"HEALTHCHECK",
    r"^\s*USER\s+\S+",
    r"/healthz",
    r"/readyz",
    r"SIGTERM",
    r"structlog|pino|zap|slog",
    r"(?i:prometheus)",
    r"(?i:sentry)",
    r"(?i:x-request-id)",
    r"helmet",
    r"CORS",
    r"(?i:rate.?limit)",
    r"(?i:pool)",
    r"(?i:graceful)",
    r"FROM .*:latest",
    r"(?i:password)\s*=",
    r"AKIA[0-9A-Z]{16}",
    r"resources:",
    r"livenessProbe",
    r"readinessProbe",
]
assert len(FLOOR_PATTERNS) == 20
SLOW_PEERS = ("checkov", "trivy")


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


def floor_pattern_file(workdir):
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, "rg-floor-patterns.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(FLOOR_PATTERNS) + "\n")
    return path


def skipped(name, why):
    return (name, None, None, why)


def bench_tree(root, files, args, tools, results):
    rc = tools["readycheck"]
    rows = []
    cmd = [rc, "audit", root, "--format", "json", "--exit-zero", "--no-config"]
    rows.append(("readycheck", *measure(cmd, args.runs)))
    rows.append(("readycheck --threads 1", *measure(cmd + ["--threads", "1"], args.runs)))
    slow_skip = files > args.peer_max_size
    if tools["rg"]:
        floor = [tools["rg"], "--hidden", "-c", "--no-messages", "-f", floor_pattern_file(args.workdir), root]
        if run_once(floor)[2] == 2:
            sys.exit(f"rg floor failed on {root} (exit 2)")
        rows.append((f"rg floor ({len(FLOOR_PATTERNS)} patterns)", *measure(floor, args.runs)))
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
        rows.append((f"rg all rule regexes (-U, {len(pats)} of {len(all_pats)})", *measure(rg + [root], args.runs)))
    else:
        rows.append(skipped("rg floor", tools.why("rg")))
        rows.append(skipped("rg all rule regexes", tools.why("rg")))
    if not tools["checkov"]:
        rows.append(skipped("checkov", tools.why("checkov")))
    elif slow_skip:
        rows.append(skipped("checkov", f"{files} files > --peer-max-size {args.peer_max_size}"))
    else:
        ck = [tools["checkov"], "-d", root, "--framework", "dockerfile", "kubernetes", "github_actions",
              "--skip-download", "--quiet", "--compact", "-o", "json"]
        rows.append(("checkov", *measure(ck, max(1, args.peer_runs))))
    if not tools["trivy"]:
        rows.append(skipped("trivy config", tools.why("trivy")))
    elif slow_skip:
        rows.append(skipped("trivy config", f"{files} files > --peer-max-size {args.peer_max_size}"))
    else:
        tv = [tools["trivy"], "config", "--skip-check-update", "--skip-version-check", "--disable-telemetry", "--quiet", root]
        rows.append(("trivy config", *measure(tv, max(1, args.peer_runs))))
    if tools["hadolint"]:
        dfs = dockerfiles(root)
        rows.append((f"hadolint ({len(dfs)} Dockerfiles)", *measure([tools["hadolint"], "--no-fail"] + dfs, args.runs)))
    else:
        rows.append(skipped("hadolint", tools.why("hadolint")))
    results.append((root, files, rows))


class Tools(dict):
    """The tools found; for a missing one, why() says why it is skipped."""

    def __init__(self, only):
        super().__init__()
        self.only = only

    def why(self, name):
        return "not in --only" if self.only and name not in self.only else "not installed"


def row_wall(rows, prefix):
    for name, wall, _, *_ in rows:
        if name.startswith(prefix):
            return wall
    return None


def ratio(a, b):
    return f"{a / b:.2f}×" if a is not None and b else "–"


def table(results):
    lines = []
    for root, files, rows in results:
        base = rows[0][1]
        lines.append(f"\n**{os.path.basename(root.rstrip('/'))}** ({files} files)\n")
        lines.append("| tool | wall (median) | per 1k files | peak RSS | vs readycheck |")
        lines.append("|---|---:|---:|---:|---:|")
        for name, wall, rss, *why in rows:
            if wall is None:
                lines.append(f"| {name} | skipped ({why[0]}) | | | |")
                continue
            ratio = wall / base if base else float("nan")
            lines.append(f"| {name} | {wall * 1000:.0f} ms | {wall * 1e6 / max(files, 1):.1f} ms | {rss:.0f} MiB | {ratio:.2f}× |")
    return "\n".join(lines)


def ratios(results):
    """One row per tree: how readycheck stands against the floor and the peers, and its cost
    per 1,000 files (growth across sizes shows as a rising last column)."""
    lines = ["\n**Ratios** (wall-time medians; hadolint reads only the Dockerfiles)\n",
             "| tree | files | readycheck / rg floor | Trivy / readycheck | Checkov / readycheck "
             "| hadolint / readycheck | readycheck ms per 1k files |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for root, files, rows in results:
        rc = row_wall(rows, "readycheck")
        per_k = f"{rc * 1e6 / max(files, 1):.1f} ms" if rc is not None else "–"
        lines.append(f"| {os.path.basename(root.rstrip('/'))} | {files} | {ratio(rc, row_wall(rows, 'rg floor'))} "
                     f"| {ratio(row_wall(rows, 'trivy'), rc)} | {ratio(row_wall(rows, 'checkov'), rc)} "
                     f"| {ratio(row_wall(rows, 'hadolint'), rc)} | {per_k} |")
    return "\n".join(lines)


def tool_versions(tools):
    out = []
    for name, flag in (("readycheck", "--version"), ("rg", "--version"), ("checkov", "--version"),
                       ("trivy", "--version"), ("hadolint", "--version")):
        if not tools.get(name):
            continue
        try:
            r = subprocess.run([tools[name], flag], capture_output=True, text=True, timeout=60)
            first = (r.stdout or r.stderr).strip().splitlines()
            out.append(f"{name} {first[0] if first else '?'}")
        except (OSError, subprocess.SubprocessError):
            out.append(f"{name} ?")
    return "; ".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,50000,100000")
    ap.add_argument("--repo", action="append", default=[], help="benchmark an existing tree instead")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--peer-runs", type=int, default=3, help="runs for the slow peers (checkov, trivy)")
    ap.add_argument("--peer-max-size", type=int, default=50000,
                    help="trees of more files than this skip the slow peers (checkov, trivy); default 50000")
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
    only = {t for t in args.only.split(",") if t}
    tools = Tools(only)
    tools["readycheck"] = os.path.join(ROOT, "target", "release", "readycheck")
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
            out = subprocess.run(gen + [root], check=True, capture_output=True, text=True).stdout
            m = re.match(r"(\d+) files in ", out)
            bench_tree(root, int(m.group(1)) if m else size, args, tools, results)
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}")
    print(f"Tools: {tool_versions(tools)}")
    print(table(results))
    print(ratios(results))


if __name__ == "__main__":
    main()

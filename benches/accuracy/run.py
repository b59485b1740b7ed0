#!/usr/bin/env python3
"""Accuracy benchmark: compares readycheck's verdicts on a labelled corpus with the labels.

Reads every label file (benches/accuracy/labels/SPLIT/OWNER__NAME.toml, see LABELLING.md),
audits the checkout CORPUS/OWNER__NAME at the labelled commit and prints per-rule
precision and recall, the disagreements, the honesty lists and the change since the last
recorded run. Fetches nothing.

    python3 benches/accuracy/run.py --corpus /work/corpus/test
        [--labels benches/accuracy/labels/test] [--bin target/release/readycheck]
        [--rules PREFIX,...] [--jobs N] [--record] [--json OUT]
        [--last benches/accuracy/last.json]
    python3 benches/accuracy/run.py --self-test

Standard library only (Python 3.11).
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import re
import subprocess
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

EXPECTS = ("fail", "pass", "skip")
# Tool outcome (the report's `outcome`) -> verdict compared with the label.
VERDICT = {
    "fail": "fail",
    "pass": "pass",
    "waived": "pass",
    "skipped": "skip",
    "inconclusive": "skip",
}
# Classes of one (repository, rule) comparison. FP+FN = the tool fails where the label
# fails, but no finding is at a labelled path ("fails for the wrong reason"): one FP and
# one FN.
CLASS_COUNTS = {
    "TP": {"tp": 1},
    "FP": {"fp": 1},
    "FN": {"fn": 1},
    "TN": {"tn": 1},
    "FP+FN": {"fp": 1, "fn": 1},
}
LINE_SUFFIX = re.compile(r":\d+(?:[-:]\d+)?$")
HEX40 = re.compile(r"^[0-9a-f]{40}$")


class UsageError(Exception):
    pass


# --------------------------------------------------------------------------- metrics


def norm_path(entry):
    """A label `at` entry or a finding path, compared by path only (`:line` stripped)."""
    p = LINE_SUFFIX.sub("", entry.strip())
    while p.startswith("./"):
        p = p[2:]
    return p


def accepts(at, finding_paths):
    """Whether a failing tool verdict is at a place the label names."""
    if not at:
        return True
    wanted = {norm_path(a) for a in at}
    if "repository" in wanted:
        return True
    return any(norm_path(p) in wanted for p in finding_paths)


def classify(expect, also_ok, at, verdict, finding_paths):
    """Compares one label with one tool verdict.

    expect: the label's `expect` (fail|pass|skip); also_ok: its `also_ok` list; at: its
    `at` list; verdict: the tool's verdict (fail|pass|skip); finding_paths: the paths of
    the tool's findings (file findings only; `repository` findings are not a path).

    Returns (class, honesty) where class is TP|FP|FN|TN|FP+FN and honesty is None,
    'unjudged pass' (label skip, tool pass) or 'missed judgement' (label pass, tool skip).
    """
    if verdict == "fail":
        if expect == "fail":
            return ("TP" if accepts(at, finding_paths) else "FP+FN"), None
        if "fail" in also_ok:
            return "TP", None
        return "FP", None
    # The tool passes or skips.
    if expect == "fail":
        return ("TN" if verdict in also_ok else "FN"), None
    honesty = None
    if verdict not in also_ok:
        if expect == "skip" and verdict == "pass":
            honesty = "unjudged pass"
        elif expect == "pass" and verdict == "skip":
            honesty = "missed judgement"
    return "TN", honesty


def ratio(num, den):
    return None if den == 0 else num / den


def figures(classes):
    """classes: iterable of (rule, class, inconclusive: bool). Returns overall and per-rule."""
    def empty():
        return {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "inconclusive": 0}

    per_rule, total = {}, empty()
    for rule, cls, inconclusive in classes:
        row = per_rule.setdefault(rule, empty())
        for key, n in CLASS_COUNTS[cls].items():
            row[key] += n
            total[key] += n
        if inconclusive:
            row["inconclusive"] += 1
            total["inconclusive"] += 1
    for row in list(per_rule.values()) + [total]:
        row["precision"] = ratio(row["tp"], row["tp"] + row["fp"])
        row["recall"] = ratio(row["tp"], row["tp"] + row["fn"])
    return {"overall": total, "rules": dict(sorted(per_rule.items()))}


def verdict_figures(pairs):
    """Overall figures on the verdict alone: FP+FN (the tool fails, at a place the label
    does not name) counts as TP. The main figures stay the strict ones; this separates a
    wrong verdict from a right verdict reported at a vaguer or other place."""
    t = {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "elsewhere": 0}
    for p in pairs:
        cls = p["class"]
        if cls == "FP+FN":
            t["elsewhere"] += 1
            cls = "TP"
        for key, n in CLASS_COUNTS[cls].items():
            t[key] += n
    t["precision"] = ratio(t["tp"], t["tp"] + t["fp"])
    t["recall"] = ratio(t["tp"], t["tp"] + t["fn"])
    return t


# --------------------------------------------------------------------------- labels


def load_label(path):
    """Parses and checks one label file. Returns a dict or raises ValueError."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"cannot read: {e}") from e
    stem = os.path.basename(path)[: -len(".toml")]
    repo = data.get("repo")
    commit = data.get("commit")
    if not isinstance(repo, str) or "/" not in repo:
        raise ValueError("`repo` is missing or not `owner/name`")
    if not isinstance(commit, str) or not commit:
        raise ValueError("`commit` is missing")
    rules = data.get("rules")
    if not isinstance(rules, dict) or not rules:
        raise ValueError("no [rules.ID] tables")
    out_rules = {}
    for rule, entry in rules.items():
        if not isinstance(entry, dict):
            raise ValueError(f"[rules.{rule}] is not a table")
        expect = entry.get("expect")
        if expect not in EXPECTS:
            raise ValueError(f"[rules.{rule}] expect = {expect!r}, not one of fail|pass|skip")
        at = entry.get("at", [])
        also_ok = entry.get("also_ok", [])
        if not isinstance(at, list) or not all(isinstance(a, str) for a in at):
            raise ValueError(f"[rules.{rule}] `at` is not a list of strings")
        if not isinstance(also_ok, list) or not all(a in EXPECTS for a in also_ok):
            raise ValueError(f"[rules.{rule}] `also_ok` is not a list of fail|pass|skip")
        note = entry.get("note", "")
        out_rules[rule] = {
            "expect": expect,
            "at": at,
            "also_ok": [a for a in also_ok if a != expect],
            "note": note if isinstance(note, str) else str(note),
        }
    warnings = []
    if repo.replace("/", "__") != stem:
        warnings.append(f"{os.path.basename(path)}: repo = {repo!r} does not match the file name")
    if not HEX40.match(commit):
        warnings.append(f"{os.path.basename(path)}: commit {commit!r} is not a full 40-hex id")
    return {
        "file": path,
        "stem": stem,
        "repo": repo,
        "commit": commit,
        "split": data.get("split"),
        "rules": out_rules,
        "warnings": warnings,
    }


# --------------------------------------------------------------------------- running


def tail(text, n=5):
    lines = [l for l in (text or "").strip().splitlines() if l.strip()]
    return "\n".join("      " + l for l in lines[-n:]) if lines else "      (stderr empty)"


def run_repo(label, corpus, binary, timeout):
    """Checks the checkout and audits it. Returns ('ok', report) or ('not run', reason)."""
    checkout = os.path.join(corpus, label["stem"])
    if not os.path.isdir(checkout):
        return "not run", f"no checkout at {checkout}"
    git = subprocess.run(
        ["git", "-C", checkout, "rev-parse", "--show-toplevel", "HEAD"], capture_output=True, text=True
    )
    if git.returncode != 0:
        return "not run", f"{checkout} is not a git checkout: {one_line(git.stderr)}"
    top, head = (git.stdout.strip().splitlines() + ["", ""])[:2]
    if os.path.realpath(top) != os.path.realpath(checkout):
        return "not run", f"{checkout} is not the root of a git checkout (it is inside {top})"
    if head != label["commit"]:
        return "not run", f"commit mismatch: checkout at {head}, label is for {label['commit']}"
    cmd = [binary, "audit", checkout, "--format", "json", "--no-config", "--exit-zero"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "not run", f"readycheck timed out after {timeout}s"
    if proc.returncode != 0:
        return "not run", f"readycheck exited with {proc.returncode}:\n{tail(proc.stderr)}"
    try:
        report = json.loads(proc.stdout)
        results = report["results"]
        if not isinstance(results, list):
            raise ValueError("`results` is not a list")
    except (ValueError, KeyError, TypeError) as e:
        return "not run", f"readycheck printed no valid JSON report ({e}):\n{tail(proc.stderr)}"
    return "ok", report


def finding_place(f):
    """A finding's place as shown and recorded: a path, `repository` or `METHOD url`."""
    loc = f.get("location") or {}
    kind = loc.get("type")
    if kind == "file":
        return loc.get("path", "?")
    if kind == "http":
        return f"{loc.get('method', '?')} {loc.get('url', '?')}"
    return "repository"


def finding_line(f, width=110):
    loc = f.get("location") or {}
    place = finding_place(f)
    if loc.get("type") == "file" and loc.get("line") is not None:
        place = f"{place}:{loc['line']}"
    msg = (f.get("message") or "").strip().splitlines()
    text = f"{place} {msg[0] if msg else ''}".rstrip()
    return text if len(text) <= width else text[: width - 3] + "..."


def compare_repo(label, report, selected):
    """Compares one repository's report with its label. Returns (pairs, missing rules)."""
    by_id = {r.get("id"): r for r in report["results"] if isinstance(r, dict)}
    pairs, missing = [], []
    for rule in sorted(label["rules"]):
        if not selected(rule):
            continue
        lab = label["rules"][rule]
        res = by_id.get(rule)
        if res is None:
            missing.append(rule)
            continue
        outcome = res.get("outcome")
        verdict = VERDICT.get(outcome)
        if verdict is None:
            missing.append(f"{rule} (unknown outcome {outcome!r})")
            continue
        # Waived findings do not count (the report keeps them with a `waiver`).
        findings = [f for f in res.get("findings") or [] if not f.get("waiver")]
        file_paths = [
            f["location"]["path"]
            for f in findings
            if (f.get("location") or {}).get("type") == "file" and "path" in f["location"]
        ]
        cls, honesty = classify(lab["expect"], lab["also_ok"], lab["at"], verdict, file_paths)
        pairs.append(
            {
                "repo": label["repo"],
                "rule": rule,
                "label": lab["expect"],
                "also_ok": lab["also_ok"],
                "at": lab["at"],
                "note": lab["note"],
                "outcome": outcome,
                "verdict": verdict,
                "class": cls,
                "honesty": honesty,
                "reason": res.get("reason"),
                "paths": sorted({finding_place(f) for f in findings}),
                "findings": [finding_line(f) for f in findings[:3]],
                "more_findings": max(0, len(findings) - 3),
                "evidence": [finding_line(f) for f in (res.get("evidence") or [])[:3]],
            }
        )
    return pairs, missing


# --------------------------------------------------------------------------- output


def fmt_ratio(x):
    return "-" if x is None else f"{x:.3f}"


def fmt_delta(old, new):
    if old is None or new is None:
        return f"{fmt_ratio(old)} -> {fmt_ratio(new)}"
    return f"{old:.3f} -> {new:.3f} ({new - old:+.3f})"


def print_table(figs, out):
    rows = [("rule", "TP", "FP", "FN", "TN", "inc", "precision", "recall")]
    for rule, r in figs["rules"].items():
        rows.append((rule, r["tp"], r["fp"], r["fn"], r["tn"], r["inconclusive"],
                     fmt_ratio(r["precision"]), fmt_ratio(r["recall"])))
    t = figs["overall"]
    rows.append(("overall", t["tp"], t["fp"], t["fn"], t["tn"], t["inconclusive"],
                 fmt_ratio(t["precision"]), fmt_ratio(t["recall"])))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        if n == len(rows) - 1:
            out.write("  ".join("-" * w for w in widths) + "\n")
        cells = [str(row[0]).ljust(widths[0])] + [str(c).rjust(w) for c, w in zip(row[1:], widths[1:])]
        out.write("  ".join(cells).rstrip() + "\n")


def describe_label(p):
    s = p["label"]
    if p["also_ok"]:
        s += " (also ok: " + ", ".join(p["also_ok"]) + ")"
    return s


def tool_detail(p, indent):
    lines = []
    if p["findings"]:
        lines += [f"{indent}{f}" for f in p["findings"]]
        if p["more_findings"]:
            lines.append(f"{indent}... and {p['more_findings']} more")
    elif p["verdict"] == "pass" and p["evidence"]:
        lines += [f"{indent}evidence: {e}" for e in p["evidence"]]
    elif p["reason"]:
        lines.append(f"{indent}reason: {one_line(p['reason'])}")
    return lines


def one_line(text, width=110):
    first = (text or "").strip().splitlines()
    s = first[0] if first else ""
    return s if len(s) <= width else s[: width - 3] + "..."


def print_disagreements(pairs, out):
    bad = [p for p in pairs if p["class"] in ("FP", "FN", "FP+FN")]
    out.write(f"\nDisagreements ({len(bad)})\n")
    if not bad:
        out.write("  none\n")
    current = None
    for p in bad:
        if p["repo"] != current:
            current = p["repo"]
            out.write(f"\n  {current}\n")
        kind = {"FP": "FP", "FN": "FN", "FP+FN": "FP+FN, fails for the wrong reason"}[p["class"]]
        out.write(f"    {p['rule']}  label {describe_label(p)}, tool {p['outcome']}  [{kind}]\n")
        if p["class"] == "FP+FN" and p["at"]:
            out.write(f"      labelled at: {', '.join(p['at'])}\n")
        if p["note"]:
            out.write(f"      note: {one_line(p['note'])}\n")
        for line in tool_detail(p, "      "):
            out.write(line + "\n")


def print_honesty(pairs, out):
    for name, what in (
        ("unjudged pass", "label skip, tool pass: the tool passed a rule with nothing to judge"),
        ("missed judgement", "label pass, tool skip: the tool did not judge a subject that exists"),
    ):
        items = [p for p in pairs if p["honesty"] == name]
        out.write(f"\n{name.capitalize()} ({len(items)}; {what}; counted as TN)\n")
        if not items:
            out.write("  none\n")
        for p in items:
            out.write(f"  {p['rule']} {p['repo']}: tool {p['outcome']}")
            out.write(f" ({one_line(p['note'], 80)})\n" if p["note"] else "\n")
            for line in tool_detail(p, "      "):
                out.write(line + "\n")


def print_inconclusive(pairs, out):
    items = [p for p in pairs if p["outcome"] == "inconclusive"]
    if items:
        out.write(f"\nInconclusive ({len(items)}; counted as skip)\n")
        for p in items:
            out.write(f"  {p['rule']} {p['repo']}: label {p['label']}")
            out.write(f"; {one_line(p['reason'], 90)}\n" if p["reason"] else "\n")


# --------------------------------------------------------------------------- last run


def record_data(labels_dir, runs, pairs, figs, tool_version):
    repos = {}
    for repo, commit in runs:
        repos[repo] = {"commit": commit, "rules": {}}
    for p in pairs:
        repos[p["repo"]]["rules"][p["rule"]] = {
            "outcome": p["outcome"],
            "paths": p["paths"],
            "label": p["label"],
            "class": p["class"],
        }
    return {
        "recorded": datetime.date.today().isoformat(),
        "labels": rel(labels_dir),
        "tool_version": tool_version,
        "figures": figs,
        "repos": repos,
    }


def rel(path):
    path = os.path.abspath(path)
    try:
        r = os.path.relpath(path, ROOT)
    except ValueError:
        return path
    return path if r.startswith("..") else r


def diff_last(last, labels_dir, pairs, selected, out):
    """Prints what changed since the last recorded run; returns the diff as a dict."""
    old_repos = last.get("repos", {})
    old_pairs = {}
    for repo, entry in old_repos.items():
        for rule, v in entry.get("rules", {}).items():
            if selected(rule):
                old_pairs[(repo, rule)] = v
    new_pairs = {(p["repo"], p["rule"]): p for p in pairs}
    changed, reclassed = [], []
    for key in sorted(set(old_pairs) & set(new_pairs)):
        o, n = old_pairs[key], new_pairs[key]
        item = {
            "repo": key[0], "rule": key[1],
            "old_outcome": o.get("outcome"), "new_outcome": n["outcome"],
            "old_class": o.get("class"), "new_class": n["class"],
            "label": n["label"], "old_paths": o.get("paths", []), "new_paths": n["paths"],
        }
        if o.get("outcome") != n["outcome"]:
            changed.append(item)
        elif o.get("class") != n["class"]:
            reclassed.append(item)
    only_new = sorted(set(new_pairs) - set(old_pairs))
    only_old = sorted(set(old_pairs) - set(new_pairs))
    old_figs = figures(
        (rule, v.get("class", "TN"), v.get("outcome") == "inconclusive")
        for (repo, rule), v in old_pairs.items()
        if v.get("class") in CLASS_COUNTS
    )["overall"]
    new_figs = figures((p["rule"], p["class"], p["outcome"] == "inconclusive") for p in pairs)["overall"]

    out.write(f"\nSince the last run (recorded {last.get('recorded', '?')}, labels {last.get('labels', '?')}")
    if last.get("tool_version"):
        out.write(f", readycheck {last['tool_version']}")
    out.write(")\n")
    if last.get("labels") and last.get("labels") != rel(labels_dir):
        out.write(f"  note: the last run used other labels than this one ({rel(labels_dir)})\n")
    out.write(f"  verdicts changed: {len(changed)}\n")
    for c in changed:
        out.write(f"    {c['rule']} {c['repo']}: {c['old_outcome']} -> {c['new_outcome']} "
                  f"(label {c['label']}; {c['old_class'] or '?'} -> {c['new_class']})\n")
    if reclassed:
        out.write(f"  same verdict, different result (finding paths or label changed): {len(reclassed)}\n")
        for c in reclassed:
            out.write(f"    {c['rule']} {c['repo']}: {c['new_outcome']}, "
                      f"{c['old_class'] or '?'} -> {c['new_class']} (label {c['label']}")
            if c["old_paths"] != c["new_paths"]:
                out.write(f"; findings at {', '.join(c['old_paths']) or '-'} -> {', '.join(c['new_paths']) or '-'}")
            out.write(")\n")
    if only_new or only_old:
        new_repos = sorted({r for r, _ in only_new} - {r for r, _ in old_pairs})
        gone_repos = sorted({r for r, _ in only_old} - {r for r, _ in new_pairs})
        out.write(f"  not comparable: {len(only_new)} (repo, rule) pairs new in this run, "
                  f"{len(only_old)} only in the last run\n")
        if new_repos:
            out.write(f"    repositories new in this run: {', '.join(new_repos)}\n")
        if gone_repos:
            out.write(f"    repositories of the last run not run now: {', '.join(gone_repos)}\n")
    out.write(f"  precision {fmt_delta(old_figs['precision'], new_figs['precision'])}\n")
    out.write(f"  recall    {fmt_delta(old_figs['recall'], new_figs['recall'])}\n")
    return {
        "recorded": last.get("recorded"),
        "changed": changed,
        "reclassified": reclassed,
        "pairs_only_now": len(only_new),
        "pairs_only_last": len(only_old),
        "precision": [old_figs["precision"], new_figs["precision"]],
        "recall": [old_figs["recall"], new_figs["recall"]],
    }


# --------------------------------------------------------------------------- main


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Compare readycheck's verdicts with the labelled accuracy corpus.",
    )
    ap.add_argument("--corpus", help="directory of checkouts named OWNER__NAME")
    ap.add_argument("--labels", help="label directory (default: benches/accuracy/labels/<basename of corpus>)")
    ap.add_argument("--bin", help="readycheck binary (default: target/release/readycheck in the project)")
    ap.add_argument("--rules", help="only rules whose id starts with one of these comma-separated prefixes")
    ap.add_argument("--jobs", type=int, default=2, help="repositories audited in parallel (default 2)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per audit (default 900)")
    ap.add_argument("--record", action="store_true", help="write this run's verdicts and figures to --last")
    ap.add_argument("--json", metavar="OUT", help="write figures and disagreements as JSON")
    ap.add_argument("--last", default=os.path.join(ROOT, "benches", "accuracy", "last.json"),
                    help="last recorded run to diff against (default benches/accuracy/last.json)")
    ap.add_argument("--self-test", action="store_true", help="test the metric code and exit")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.self_test:
        return self_test()
    try:
        return run(args)
    except UsageError as e:
        print(f"run.py: error: {e}", file=sys.stderr)
        return 2


def run(args):
    out = sys.stdout
    if not args.corpus:
        raise UsageError("--corpus is required (e.g. --corpus /work/corpus/test)")
    corpus = os.path.abspath(args.corpus)
    if not os.path.isdir(corpus):
        raise UsageError(f"corpus directory {args.corpus} does not exist")
    if args.labels:
        labels_dir = os.path.abspath(args.labels)
    else:
        labels_dir = os.path.join(HERE, "labels", os.path.basename(corpus.rstrip("/")))
        if not os.path.isdir(labels_dir):
            raise UsageError(f"no --labels given and {rel(labels_dir)} does not exist")
    if not os.path.isdir(labels_dir):
        raise UsageError(f"label directory {args.labels} does not exist")
    binary = os.path.abspath(args.bin) if args.bin else os.path.join(ROOT, "target", "release", "readycheck")
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        raise UsageError(f"readycheck binary {binary} not found; run `cargo build --release` in {ROOT}")
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    prefixes = [p.strip().upper() for p in (args.rules or "").split(",") if p.strip()]
    if args.rules is not None and not prefixes:
        raise UsageError("--rules needs at least one prefix")
    if args.record and prefixes:
        raise UsageError("--record with --rules would record a partial run; record a full run")

    def selected(rule):
        return not prefixes or any(rule.upper().startswith(p) for p in prefixes)

    files = sorted(f for f in os.listdir(labels_dir) if f.endswith(".toml"))
    if not files:
        print(f"run.py: no label files in {rel(labels_dir)}", file=sys.stderr)
        return 2

    not_run, labels, warnings = [], [], []
    for f in files:
        try:
            lab = load_label(os.path.join(labels_dir, f))
        except ValueError as e:
            not_run.append((f[: -len(".toml")], f"label {f}: {e}"))
            continue
        warnings += lab["warnings"]
        split = os.path.basename(labels_dir)
        if lab["split"] and split in ("dev", "test") and lab["split"] != split:
            warnings.append(f"{f}: split = {lab['split']!r} but the file is in {split}/")
        if not any(selected(r) for r in lab["rules"]):
            continue
        labels.append(lab)

    if not labels and not not_run:
        print(f"run.py: no label file labels a rule starting with {','.join(prefixes)}", file=sys.stderr)
        return 2

    out.write(f"readycheck accuracy: labels {rel(labels_dir)} ({len(files)} files), corpus {corpus}\n")
    out.write(f"binary {binary}")
    if prefixes:
        out.write(f"; rules {','.join(prefixes)}*")
    out.write("\n")

    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(run_repo, lab, corpus, binary, args.timeout): lab for lab in labels}
        for fut in concurrent.futures.as_completed(futures):
            lab = futures[fut]
            try:
                results[lab["repo"]] = fut.result()
            except Exception as e:  # a bug here must not hide the other repositories
                results[lab["repo"]] = ("not run", f"runner error: {e!r}")

    pairs, runs, tool_versions = [], [], set()
    for lab in sorted(labels, key=lambda l: l["repo"]):
        status, payload = results[lab["repo"]]
        if status != "ok":
            not_run.append((lab["repo"], payload))
            continue
        tool_versions.add(str((payload.get("tool") or {}).get("version", "?")))
        repo_pairs, missing = compare_repo(lab, payload, selected)
        if missing:
            warnings.append(f"{lab['repo']}: labelled rules not in readycheck's report (not counted): "
                            + ", ".join(missing))
        pairs += repo_pairs
        runs.append((lab["repo"], lab["commit"]))

    for w in warnings:
        out.write(f"warning: {w}\n")

    figs = figures((p["rule"], p["class"], p["outcome"] == "inconclusive") for p in pairs)
    out.write(f"\n{len(runs)} repositories run, {len(pairs)} (repository, rule) pairs compared\n\n")
    if pairs:
        print_table(figs, out)
        t = figs["overall"]
        out.write(f"\nOverall: TP {t['tp']}  FP {t['fp']}  FN {t['fn']}  TN {t['tn']}  "
                  f"precision {fmt_ratio(t['precision'])}  recall {fmt_ratio(t['recall'])}  "
                  f"(inconclusive {t['inconclusive']}, counted as skip)\n")
        v = verdict_figures(pairs)
        out.write(f"Verdicts only (a fail at another place than the label's counts as TP): "
                  f"TP {v['tp']}  FP {v['fp']}  FN {v['fn']}  TN {v['tn']}  "
                  f"precision {fmt_ratio(v['precision'])}  recall {fmt_ratio(v['recall'])}  "
                  f"(fails at another place: {v['elsewhere']})\n")
    print_disagreements(pairs, out)
    print_honesty(pairs, out)
    print_inconclusive(pairs, out)

    out.write(f"\nNot run: {len(not_run)}\n")
    for repo, reason in sorted(not_run):
        out.write(f"  {repo}: {reason}\n")

    last_path = os.path.abspath(args.last)
    diff = None
    if os.path.isfile(last_path):
        try:
            with open(last_path, encoding="utf-8") as f:
                last = json.load(f)
        except (OSError, ValueError) as e:
            out.write(f"\nwarning: cannot read the last run {rel(last_path)}: {e}\n")
        else:
            if runs:
                diff = diff_last(last, labels_dir, pairs, selected, out)
    else:
        out.write(f"\nNo last run at {rel(last_path)} to compare with.\n")

    tool_version = ",".join(sorted(tool_versions))
    if args.json:
        data = {
            "labels": rel(labels_dir),
            "corpus": corpus,
            "tool_version": tool_version,
            "rules": prefixes,
            "repos_run": [r for r, _ in runs],
            "not_run": [{"repo": r, "reason": why} for r, why in sorted(not_run)],
            "warnings": warnings,
            "figures": figs,
            "verdict_figures": verdict_figures(pairs) if pairs else None,
            "disagreements": [public(p) for p in pairs if p["class"] in ("FP", "FN", "FP+FN")],
            "unjudged_pass": [public(p) for p in pairs if p["honesty"] == "unjudged pass"],
            "missed_judgement": [public(p) for p in pairs if p["honesty"] == "missed judgement"],
            "inconclusive": [public(p) for p in pairs if p["outcome"] == "inconclusive"],
            "since_last": diff,
        }
        write_json(args.json, data)
        out.write(f"\nWrote {args.json}\n")

    if not runs:
        print("run.py: nothing could be run", file=sys.stderr)
        return 2
    if args.record:
        write_json(last_path, record_data(labels_dir, runs, pairs, figs, tool_version))
        out.write(f"Recorded this run in {rel(last_path)}\n")
    return 0


def public(p):
    q = {k: v for k, v in p.items() if k != "more_findings"}
    return q


def write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- self-test


def self_test():
    failures = []

    def check(name, got, want):
        if got != want:
            failures.append(f"{name}: got {got!r}, want {want!r}")

    # classify: (expect, also_ok, at, verdict, paths) -> (class, honesty)
    cases = [
        ("fail at file, tool fails there", ("fail", [], ["Dockerfile:31"], "fail", ["Dockerfile"]), ("TP", None)),
        ("fail, tool fails at ./path", ("fail", [], ["a/Dockerfile"], "fail", ["./a/Dockerfile"]), ("TP", None)),
        ("fail, one of several findings right", ("fail", [], ["x.yml"], "fail", ["y.yml", "x.yml"]), ("TP", None)),
        ("fail, tool fails elsewhere", ("fail", [], ["Dockerfile:31"], "fail", ["web/Dockerfile"]), ("FP+FN", None)),
        ("fail, tool fails repo-wide only", ("fail", [], ["Dockerfile"], "fail", []), ("FP+FN", None)),
        ("fail at repository", ("fail", [], ["repository"], "fail", ["anything.txt"]), ("TP", None)),
        ("fail, no at", ("fail", [], [], "fail", ["z"]), ("TP", None)),
        ("fail, tool passes", ("fail", [], ["Dockerfile"], "pass", []), ("FN", None)),
        ("fail, tool skips", ("fail", [], ["Dockerfile"], "skip", []), ("FN", None)),
        ("fail also_ok skip, tool skips", ("fail", ["skip"], ["Dockerfile"], "skip", []), ("TN", None)),
        ("fail also_ok skip, tool passes", ("fail", ["skip"], ["Dockerfile"], "pass", []), ("FN", None)),
        ("pass, tool fails", ("pass", [], ["Dockerfile:40"], "fail", ["Dockerfile"]), ("FP", None)),
        ("pass also_ok fail, tool fails", ("pass", ["fail"], ["Dockerfile:40"], "fail", ["x"]), ("TP", None)),
        ("pass, tool passes", ("pass", [], ["Dockerfile:40"], "pass", []), ("TN", None)),
        ("pass, tool skips", ("pass", [], ["Dockerfile:40"], "skip", []), ("TN", "missed judgement")),
        ("pass also_ok skip, tool skips", ("pass", ["skip"], [], "skip", []), ("TN", None)),
        ("skip, tool fails", ("skip", [], [], "fail", ["x"]), ("FP", None)),
        ("skip, tool passes", ("skip", [], [], "pass", []), ("TN", "unjudged pass")),
        ("skip also_ok pass, tool passes", ("skip", ["pass"], [], "pass", []), ("TN", None)),
        ("skip, tool skips", ("skip", [], [], "skip", []), ("TN", None)),
    ]
    for name, args, want in cases:
        check(f"classify({name})", classify(*args), want)

    check("norm_path line", norm_path("deploy/a.yaml:12"), "deploy/a.yaml")
    check("norm_path range", norm_path("Dockerfile:3-7"), "Dockerfile")
    check("norm_path plain", norm_path("./Dockerfile"), "Dockerfile")

    # figures on synthetic verdicts with known counts.
    synthetic = (
        [("A", "TP", False)] * 3 + [("A", "FP", False)] + [("A", "TN", True)] * 2
        + [("B", "FP+FN", False)] * 2 + [("B", "FN", False)] + [("B", "TP", False)]
        + [("C", "TN", False)] * 4
    )
    figs = figures(synthetic)
    a, b, c, t = figs["rules"]["A"], figs["rules"]["B"], figs["rules"]["C"], figs["overall"]
    check("A counts", (a["tp"], a["fp"], a["fn"], a["tn"], a["inconclusive"]), (3, 1, 0, 2, 2))
    check("A precision/recall", (a["precision"], a["recall"]), (0.75, 1.0))
    check("B counts", (b["tp"], b["fp"], b["fn"], b["tn"]), (1, 2, 3, 0))
    check("B precision/recall", (b["precision"], b["recall"]), (1 / 3, 0.25))
    check("C undefined", (c["precision"], c["recall"]), (None, None))
    check("overall counts", (t["tp"], t["fp"], t["fn"], t["tn"], t["inconclusive"]), (4, 3, 3, 6, 2))
    check("overall precision/recall", (t["precision"], t["recall"]), (4 / 7, 4 / 7))
    check("rules sorted", list(figs["rules"]), ["A", "B", "C"])
    v = verdict_figures([{"class": c} for _, c, _ in synthetic])
    check("verdict-only counts", (v["tp"], v["fp"], v["fn"], v["tn"], v["elsewhere"]), (6, 1, 1, 6, 2))

    # compare_repo on a synthetic report: outcome mapping, waived findings, missing rules.
    label = {"repo": "o/n", "rules": {
        "R1": {"expect": "fail", "at": ["Dockerfile:3"], "also_ok": [], "note": ""},
        "R2": {"expect": "pass", "at": [], "also_ok": [], "note": ""},
        "R3": {"expect": "pass", "at": [], "also_ok": [], "note": ""},
        "R4": {"expect": "fail", "at": ["a.yml"], "also_ok": [], "note": ""},
        "R5": {"expect": "skip", "at": [], "also_ok": [], "note": ""},
    }}
    f = lambda path, waived=False: dict(
        {"location": {"type": "file", "path": path, "line": 1}, "message": "m"},
        **({"waiver": {"kind": "inline", "reason": "r"}} if waived else {}))
    report = {"results": [
        {"id": "R1", "outcome": "fail", "findings": [f("Dockerfile")], "evidence": []},
        {"id": "R2", "outcome": "waived", "findings": [f("x", True)], "evidence": []},
        {"id": "R3", "outcome": "inconclusive", "reason": "r", "findings": [], "evidence": []},
        {"id": "R4", "outcome": "fail", "findings": [f("a.yml", True), f("b.yml")], "evidence": []},
    ]}
    pairs, missing = compare_repo(label, report, lambda r: True)
    check("compare classes", [(p["rule"], p["class"], p["honesty"]) for p in pairs],
          [("R1", "TP", None), ("R2", "TN", None), ("R3", "TN", "missed judgement"), ("R4", "FP+FN", None)])
    check("compare missing", missing, ["R5"])
    pairs, _ = compare_repo(label, report, lambda r: r in ("R1",))
    check("compare selection", [p["rule"] for p in pairs], ["R1"])

    if failures:
        for x in failures:
            print("FAIL " + x)
        print(f"self-test: {len(failures)} failure(s)")
        return 1
    print(f"self-test: ok ({len(cases)} classify cases, figures, compare)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

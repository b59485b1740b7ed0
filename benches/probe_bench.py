#!/usr/bin/env python3
"""Benchmarks the full live-probe set against a fast local service (examples/bench_service.rs).

Starts the service on 127.0.0.1 (nothing leaves loopback), runs `readycheck probe URL` --runs
times after one warm-up, and reports the median wall time of the whole process, the number
of requests the service received per run, and the peak RSS. The service exits when this
script closes its stdin.

    cargo build --release --examples && python3 benches/probe_bench.py --runs 20
"""

import argparse
import os
import statistics
import subprocess
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--targets", type=int, default=2, choices=[1, 2],
                    help="1: the service once; 2: also as localhost (a second target, like an ingress)")
    ap.add_argument("--readycheck", default=os.path.join(ROOT, "target/release/readycheck"))
    ap.add_argument("--service", default=os.path.join(ROOT, "target/release/examples/bench_service"))
    args = ap.parse_args()
    svc = subprocess.Popen([args.service], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = svc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url

        def count():
            with urllib.request.urlopen(url + "/__requests", timeout=5) as r:
                return int(r.read())

        urls = [url] if args.targets == 1 else [url, url.replace("127.0.0.1", "localhost")]
        # --rate 0: the default 10 requests per second per target is politeness towards
        # production services; this measures readycheck itself.
        cmd = [args.readycheck, "probe", *urls, "--format", "json", "--allow-unsafe-methods",
               "--rate", "0"]
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)  # warm-up
        count()
        walls, reqs, rss = [], [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
            _, status, usage = os.wait4(p.pid, 0)
            walls.append(time.perf_counter() - start)
            rss.append(usage.ru_maxrss / 1024.0)
            reqs.append(count())
        print("| probe set | requests per run | median wall | min | max | peak RSS |")
        print("|---|---:|---:|---:|---:|---:|")
        print(
            f"| all live rules, `--allow-unsafe-methods`, {args.targets} target(s) | {statistics.median(reqs):.0f} "
            f"| {statistics.median(walls) * 1000:.0f} ms | {min(walls) * 1000:.0f} ms "
            f"| {max(walls) * 1000:.0f} ms | {max(rss):.0f} MiB |"
        )
    finally:
        svc.stdin.close()
        try:
            svc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            svc.kill()


if __name__ == "__main__":
    main()

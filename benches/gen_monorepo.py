#!/usr/bin/env python3
"""Generates a synthetic monorepo for benchmarking readycheck and its peers.

Deterministic from a seed: the same arguments always yield the same bytes. The tree has
200 services (`--services`) with a Dockerfile, a compose file, an env example, a README and
Kubernetes manifests, 100 GitHub workflow files, docs, and many small source files in
Python, TypeScript, Go, Rust and Java, some with the patterns the rules look for.

The shapes that make per-context work visible are opt-in, so that trees generated without
them stay byte-identical to earlier benchmarks:
  --dockerignore F   a fraction F of the services get a `.dockerignore` (of varying quality),
                     some a `package.json` and a committed key, so DOCK016-DOCK019 have work
  --nested           every seventh service also builds a nested context (`worker/`, its own
                     Dockerfile, named by the service's Compose file), and a root Compose
                     file builds a few services from the root context
  --large N          N large (~1 MiB) text files beside the many small ones

    python3 benches/gen_monorepo.py --files 50000 --seed 7 /tmp/mono-50k
    python3 benches/gen_monorepo.py --files 100000 --services 400 --dockerignore 0.5 --nested --large 4 /tmp/mono-100k
"""

import argparse
import os
import random
import shutil

SERVICES = 200
WORKFLOWS = 100

BASES = ["python:3.12.4-slim", "node:20.11.1-alpine", "golang:1.22.5", "rust:1.80.1-slim",
         "eclipse-temurin:21-jre", "node:latest", "python", "nginx:1.27"]

PY = '''import os
import logging

import requests

logger = logging.getLogger(__name__)
TIMEOUT = float(os.getenv("HTTP_TIMEOUT_{s}", "5"))


def fetch_{n}(url: str) -> dict:
    """Fetch a resource."""
    resp = requests.get(url, timeout=TIMEOUT)
    resp.raise_for_status()
    return resp.json()


def handler_{n}(event: dict) -> dict:
    value = event.get("value", {n})
    if value > {m}:
        logger.info("large value %s", value)
    {extra}
    return {{"value": value * 2}}
'''

TS = '''import express from "express";

const router = express.Router();
const LIMIT = Number(process.env.LIMIT_{s} ?? {m});

router.get("/items/{n}", async (req, res) => {{
  const items = Array.from({{ length: LIMIT }}, (_, i) => ({{ id: i, name: `item-${{i}}` }}));
  {extra}
  res.json({{ items }});
}});

export default router;
'''

GO = '''package svc{n}

import (
	"encoding/json"
	"net/http"
	"os"
	"time"
)

var client = &http.Client{{Timeout: 5 * time.Second}}

// Handler{n} serves one resource.
func Handler{n}(w http.ResponseWriter, r *http.Request) {{
	name := os.Getenv("NAME_{s}")
	{extra}
	_ = json.NewEncoder(w).Encode(map[string]any{{"name": name, "n": {m}}})
}}
'''

RS = '''use std::env;

/// Handles request {n}.
pub fn handle_{n}(input: u64) -> u64 {{
    let factor: u64 = env::var("FACTOR_{s}").ok().and_then(|v| v.parse().ok()).unwrap_or({m});
    {extra}
    input * factor
}}

#[cfg(test)]
mod tests {{
    #[test]
    fn doubles() {{
        assert_eq!(super::handle_{n}(1) > 0, true);
    }}
}}
'''

JAVA = '''package com.acme.svc{n};

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class Controller{n} {{
    @GetMapping("/api/{n}")
    public String get() {{
        {extra}
        return "ok-{m}";
    }}
}}
'''

EXTRAS = {
    "py": ['print("debug", value)', 'requests.post("http://internal/api", json=event)', "pass"],
    "ts": ['console.log("items", items.length);', "// no-op", "void 0;"],
    "go": ['fmt.Println("debug")', "_ = name", "_ = r"],
    "rs": ['println!("debug {}", input);', "let _ = input;", "let _unused = 0;"],
    "java": ['System.out.println("debug");', "int unused = 0;", "// nothing"],
}
TEMPLATES = {"py": PY, "ts": TS, "go": GO, "rs": RS, "java": JAVA}
EXT = {"py": ".py", "ts": ".ts", "go": ".go", "rs": ".rs", "java": ".java"}


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def dockerfile(rng, i):
    base = BASES[rng.randrange(len(BASES))]
    lines = [f"FROM {base} AS build", "WORKDIR /src", "COPY . .",
             "RUN apt-get update && apt-get install -y curl" if rng.random() < 0.3 else "RUN echo build",
             f"FROM {base}", "WORKDIR /app", "COPY --from=build /src /app"]
    if rng.random() < 0.6:
        lines.append("USER 10001")
    if rng.random() < 0.5:
        lines.append('HEALTHCHECK CMD ["/app/health"]')
    lines.append('CMD ["/app/run"]' if rng.random() < 0.7 else "CMD /app/run --serve")
    return "\n".join(lines) + "\n"


def compose(rng, i):
    hc = "    healthcheck:\n      test: [\"CMD\", \"/app/health\"]\n" if rng.random() < 0.5 else ""
    priv = "    privileged: true\n" if rng.random() < 0.05 else ""
    return (f"services:\n  svc{i}:\n    build: .\n    image: acme/svc{i}:1.{i}.0\n    restart: unless-stopped\n{hc}{priv}"
            f"    environment:\n      DATABASE_URL: ${{DATABASE_URL}}\n  db{i}:\n    image: postgres:16.3\n"
            f"    ports:\n      - \"5432:5432\"\n")


def k8s(rng, i):
    probe = "          readinessProbe:\n            httpGet: {path: /readyz, port: 8080}\n" if rng.random() < 0.6 else ""
    limit = "          resources:\n            limits: {memory: 256Mi}\n" if rng.random() < 0.6 else ""
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc{i}\nspec:\n  replicas: 2\n"
            f"  template:\n    spec:\n      containers:\n        - name: svc{i}\n          image: acme/svc{i}:1.{i}.0\n"
            f"{probe}{limit}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc{i}\nspec:\n  ports: [{{port: 80}}]\n")


def workflow(rng, i):
    pin = "actions/setup-node@v4" if rng.random() < 0.5 else "pnpm/action-setup@v4"
    return (f"name: wf{i}\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    steps:\n"
            f"      - uses: actions/checkout@v4\n      - uses: {pin}\n      - run: make test-{i}\n")


DOCKERIGNORES = [
    ".git\n.env\n**/node_modules\n*.pem\n__pycache__\n",
    "node_modules\n",
    ".git\n",
    "**\n!src\n!package.json\n",
    ".git\n.env*\n!.env.example\n",
]


def extras(root, per_service, seed, dockerignore, nested, large):
    """The opt-in shapes; drawn from their own generator so the base tree is unchanged."""
    rng = random.Random(seed * 7919 + 1)
    count = 0
    for i, d in enumerate(per_service):
        if rng.random() < dockerignore:
            write(os.path.join(d, ".dockerignore"), DOCKERIGNORES[rng.randrange(len(DOCKERIGNORES))])
            count += 1
            if i % 3 == 0:
                write(os.path.join(d, "package.json"), f'{{"name": "svc{i}", "version": "1.0.0"}}\n')
                count += 1
            if i % 11 == 0:
                write(os.path.join(d, "certs", "dev.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
                count += 1
        if nested and i % 7 == 0:
            w = os.path.join(d, "worker")
            write(os.path.join(w, "Dockerfile"), dockerfile(rng, i))
            write(os.path.join(w, "main.py"), PY.format(n=i, s=i, m=1, extra="pass"))
            if i % 2 == 0:
                write(os.path.join(w, ".dockerignore"), ".git\n.env\n__pycache__\n")
                count += 1
            with open(os.path.join(d, "docker-compose.yml"), "a", encoding="utf-8") as f:
                f.write(f"  worker{i}:\n    build:\n      context: ./worker\n    image: acme/worker{i}:1.0.0\n")
            count += 2
    if nested:
        names = [os.path.basename(d) for d in per_service[:5]]
        text = "services:\n" + "".join(
            f"  {n}-root:\n    build:\n      context: .\n      dockerfile: services/{n}/Dockerfile\n" for n in names)
        write(os.path.join(root, "docker-compose.yml"), text)
        write(os.path.join(root, ".dockerignore"), ".git\n**/node_modules\n")
        count += 2
    for k in range(large):
        line = "The platform team documents every service here; see the runbooks.\n"
        write(os.path.join(root, "docs", f"big{k}.md"), f"# Big {k}\n\n" + line * (1 << 14))
        count += 1
    return count


def generate(root, files, seed, services=SERVICES, dockerignore=0.0, nested=False, large=0):
    rng = random.Random(seed)
    if os.path.exists(root):
        shutil.rmtree(root)
    count = 0
    write(os.path.join(root, "README.md"), "# acme monorepo\n\nRun `make test`.\n")
    write(os.path.join(root, "LICENSE"), "MIT License\n")
    count += 2
    for w in range(WORKFLOWS):
        write(os.path.join(root, ".github/workflows", f"wf{w:03}.yml"), workflow(rng, w))
        count += 1
    per_service = []
    for i in range(services):
        d = os.path.join(root, "services", f"svc{i:03}")
        write(os.path.join(d, "Dockerfile"), dockerfile(rng, i))
        write(os.path.join(d, "docker-compose.yml"), compose(rng, i))
        # Each service documents the variables its code reads, except every tenth, whose
        # example forgets one (as real ones do): the env-coverage rule has work and findings,
        # but the tree is not one undocumented variable per file.
        env = f"DATABASE_URL=postgres://user:change-me@db/svc{i}\nNAME_{i}=svc{i}\nHTTP_TIMEOUT_{i}=5\nLIMIT_{i}=100\n"
        if i % 10:
            env += f"FACTOR_{i}=2\n"
        write(os.path.join(d, ".env.example"), env)
        write(os.path.join(d, "README.md"), f"# svc{i}\n\n`make run`\n")
        write(os.path.join(d, "k8s", "deployment.yaml"), k8s(rng, i))
        count += 5
        per_service.append(d)
    count += extras(root, per_service, seed, dockerignore, nested, large)
    langs = list(TEMPLATES)
    n = 0
    while count < files:
        d = per_service[n % services]
        lang = langs[(n // services) % len(langs)]
        extra = EXTRAS[lang][rng.randrange(3)]
        text = TEMPLATES[lang].format(n=n, s=n % services, m=rng.randrange(1000), extra=extra)
        sub = "tests" if rng.random() < 0.1 else "src"
        write(os.path.join(d, sub, f"mod{n:06}{EXT[lang]}"), text)
        count += 1
        n += 1
    return count


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--services", type=int, default=SERVICES)
    ap.add_argument("--dockerignore", type=float, default=0.0, help="fraction of services with a .dockerignore")
    ap.add_argument("--nested", action="store_true", help="nested build contexts and a root Compose file")
    ap.add_argument("--large", type=int, default=0, help="number of ~1 MiB text files")
    ap.add_argument("root")
    args = ap.parse_args()
    total = generate(args.root, args.files, args.seed, args.services, args.dockerignore, args.nested, args.large)
    print(f"{total} files in {args.root}")


if __name__ == "__main__":
    main()

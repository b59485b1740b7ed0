//! `compose_service`: assertions on Docker Compose services, judged on the service merged
//! from its base file and the overlays beside it (`docker-compose.override.yml`,
//! `compose.prod.yaml`), and reported at the service's key.

use super::orchestration::{
    ComposeService, compose_globs, compose_services, image_matches_dockerfile, image_pin_problem,
};
use super::{
    Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError, regex_param, render,
};
use crate::check::LazyRegex;
use crate::collect::select::SelectorId;
use crate::finding::Finding;
use crate::parse::yaml::{Hit, KeyPath, Node, Resolved, Segment, Value, resolve, select};
use serde::Deserialize;

/// What is asserted about each service.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ServiceTest {
    /// The merged service must have one of these key paths with a non-null value.
    Present {
        /// Alternatives, e.g. `[deploy.resources.limits, mem_limit, cpus]`.
        any_of: Vec<String>,
        /// Also satisfied when the service builds a Dockerfile whose final stage has this
        /// instruction (`HEALTHCHECK`; `HEALTHCHECK NONE` does not count).
        #[serde(default)]
        dockerfile_instruction: Option<String>,
        /// Services whose value at a key path matches are not judged, e.g.
        /// `{restart: '^"?no"?$'}` for one-shot jobs.
        #[serde(default)]
        exempt_when: indexmap::IndexMap<String, String>,
    },
    /// Every value at these key paths (wildcards allowed, e.g. `volumes[*]`) that matches
    /// `matches` is a finding, in the file that wrote it.
    Value {
        /// Key paths below the service.
        at: Vec<String>,
        /// Regex on the value's text.
        matches: String,
    },
    /// Every `depends_on` entry naming a service that has one of `healthy_when` (or whose
    /// Dockerfile has `dockerfile_instruction`) must wait with `condition`.
    DependsOnCondition {
        /// The required condition, e.g. `service_healthy`.
        condition: String,
        /// Key paths that make the dependency checkable, e.g. `[healthcheck.test]`.
        healthy_when: Vec<String>,
        /// Dockerfile instruction that also makes it checkable (`HEALTHCHECK`).
        #[serde(default)]
        dockerfile_instruction: Option<String>,
    },
    /// Published ports whose container port is listed must bind a local host address.
    PublishedPorts {
        /// Container ports to watch (5432, 6379, ...).
        container_ports: Vec<u16>,
        /// Host addresses that count as local.
        #[serde(default = "default_local")]
        local_host_ips: Vec<String>,
    },
    /// `image:` must be pinned; services that `build:` are not judged. `${VAR:-default}`
    /// is judged by its default; a variable without default is not judged.
    ImageTag {
        /// Tags that move.
        #[serde(default = "default_floating")]
        floating_tags: Vec<String>,
        /// Require `@sha256:…`.
        #[serde(default)]
        require_digest: bool,
    },
}

fn default_local() -> Vec<String> {
    ["127.0.0.1", "localhost", "::1", "[::1]"]
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn default_floating() -> Vec<String> {
    ["latest", "stable", "edge", "nightly", "main", "master"]
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Parameters of `compose_service`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Globs of the Compose files (default: `docker-compose*.y*ml`, `compose*.y*ml`).
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    /// Globs to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The assertion.
    pub test: ServiceTest,
    /// Finding message. Placeholders: `{service}`, `{value}`, `{at}`, `{dependency}`,
    /// `{port}`, `{problem}`.
    #[serde(default)]
    pub message: Option<String>,
}

enum Test {
    Present {
        any_of: Vec<KeyPath>,
        instruction: Option<String>,
        exempt: Vec<(KeyPath, LazyRegex)>,
    },
    Value {
        at: Vec<KeyPath>,
        re: LazyRegex,
    },
    Depends {
        condition: String,
        healthy_when: Vec<KeyPath>,
        instruction: Option<String>,
    },
    Ports {
        ports: Vec<u16>,
        local: Vec<String>,
    },
    Image {
        floating: Vec<String>,
        digest: bool,
    },
}

/// Compiled `compose_service`.
pub struct ComposeServiceCheck {
    files: SelectorId,
    dockerfiles: SelectorId,
    test: Test,
    message: Option<String>,
}

fn paths(field: &str, list: &[String], wildcards: bool) -> Result<Vec<KeyPath>, ParamError> {
    list.iter()
        .map(|a| {
            let p = KeyPath::parse(a).map_err(|e| ParamError::at(field, e))?;
            if !wildcards && p.segments.iter().any(|s| matches!(s, Segment::Any)) {
                return Err(ParamError::at(field, format!("`{a}` has a wildcard")));
            }
            Ok(p)
        })
        .collect()
}

impl CheckKind for ComposeServiceCheck {
    type Params = Params;

    fn compile(p: Params, cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        let files = cx.files(
            "paths",
            &p.paths.unwrap_or_else(compose_globs),
            &p.exclude,
            false,
        )?;
        let dockerfiles = cx.files(
            "paths",
            &super::default_dockerfile_globs(),
            &super::default_dockerfile_excludes(),
            false,
        )?;
        let test = match p.test {
            ServiceTest::Present {
                any_of,
                dockerfile_instruction,
                exempt_when,
            } => {
                let mut exempt = Vec::new();
                for (k, v) in &exempt_when {
                    let path = KeyPath::parse(k).map_err(|e| ParamError::at("exempt_when", e))?;
                    exempt.push((path, regex_param("exempt_when", v, false)?));
                }
                Test::Present {
                    any_of: paths("test.present.any_of", &any_of, false)?,
                    instruction: dockerfile_instruction.map(|s| s.to_ascii_uppercase()),
                    exempt,
                }
            }
            ServiceTest::Value { at, matches } => Test::Value {
                at: paths("test.value.at", &at, true)?,
                re: regex_param("test.value.matches", &matches, false)?,
            },
            ServiceTest::DependsOnCondition {
                condition,
                healthy_when,
                dockerfile_instruction,
            } => Test::Depends {
                condition,
                healthy_when: paths(
                    "test.depends_on_condition.healthy_when",
                    &healthy_when,
                    false,
                )?,
                instruction: dockerfile_instruction.map(|s| s.to_ascii_uppercase()),
            },
            ServiceTest::PublishedPorts {
                container_ports,
                local_host_ips,
            } => Test::Ports {
                ports: container_ports,
                local: local_host_ips,
            },
            ServiceTest::ImageTag {
                floating_tags,
                require_digest,
            } => Test::Image {
                floating: floating_tags,
                digest: require_digest,
            },
        };
        Ok(ComposeServiceCheck {
            files,
            dockerfiles,
            test,
            message: p.message,
        })
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let files = cx.consider(self.files);
        if files.is_empty() {
            return Ok(Applicability::NotApplicable(
                "no Compose file in the repository".to_owned(),
            ));
        }
        let services = compose_services(cx, files);
        if services.is_empty() {
            return Ok(Applicability::NotApplicable(
                "no service in the Compose files".to_owned(),
            ));
        }
        let before = cx.judged_other;
        for svc in &services {
            let judged = cx.judged_other;
            self.check(cx, svc, &services);
            if cx.judged_other > judged
                && let Some(i) = cx.workspace().find(&svc.file)
            {
                cx.reading(i);
            }
        }
        if cx.judged_other == before && cx.set_aside.is_empty() {
            return Ok(Applicability::NotApplicable(
                "no Compose service this rule applies to".to_owned(),
            ));
        }
        Ok(Applicability::Applicable)
    }
}

fn root(node: &Node) -> Hit<'_> {
    Hit {
        node,
        key: None,
        index: None,
    }
}

fn has_any(node: &Node, paths: &[KeyPath]) -> Option<String> {
    paths
        .iter()
        .find_map(|p| match resolve(root(node), &p.segments) {
            Resolved::Found(h) if !matches!(h[0].node.value, Value::Null) => Some(p.text.clone()),
            _ => None,
        })
}

fn text_of(node: &Node) -> Option<String> {
    node.scalar_text()
}

impl ComposeServiceCheck {
    fn msg(&self, default: &str, vars: &[(&str, &str)]) -> String {
        render(self.message.as_deref().unwrap_or(default), vars)
    }

    /// The final-stage instruction of the Dockerfile the service builds, if it has it.
    fn dockerfile_has(
        &self,
        cx: &mut CheckCx<'_>,
        svc: &ComposeService,
        keyword: &str,
    ) -> Option<String> {
        let ws = cx.workspace();
        let candidates: Vec<usize> = cx.selected(self.dockerfiles).to_vec();
        let wanted = svc.dockerfile();
        let root_name = crate::check::orchestration::root_names(ws);
        for i in candidates {
            let rel = ws.file(i).rel.clone();
            let matches = match &wanted {
                Some(w) => *w == rel,
                None => svc
                    .image()
                    .is_some_and(|img| image_matches_dockerfile(img, &rel, &root_name[..])),
            };
            if !matches {
                continue;
            }
            let Ok(df) = ws.dockerfile(i) else { continue };
            let target = svc.build_target();
            let Some(last) = target
                .and_then(|t| df.stages.iter().find(|s| s.name.as_deref() == Some(t)))
                .or_else(|| df.final_stage())
            else {
                continue;
            };
            let found = df
                .lineage(last)
                .into_iter()
                .rev()
                .flat_map(|s| s.instructions.iter())
                .rfind(|ins| ins.keyword == keyword)
                .filter(|ins| ins.args != "NONE")
                .map(|ins| format!("{rel}:{}", ins.pos.line));
            if found.is_some() {
                return found;
            }
        }
        None
    }

    fn check(&self, cx: &mut CheckCx<'_>, svc: &ComposeService, all: &[ComposeService]) {
        let name = svc.name.as_str();
        // Judged unless set aside below (or not a subject of this test at all).
        cx.judged(1);
        let ok = |cx: &mut CheckCx<'_>, note: String| {
            cx.evidence(Finding::at(&svc.file, svc.pos.line, svc.pos.col, note));
        };
        match &self.test {
            Test::Present {
                any_of,
                instruction,
                exempt,
            } => {
                // A service with neither `image` nor `build` cannot run on its own: it is a
                // fragment that another Compose file (passed with `-f`) completes.
                if ["image", "build", "extends"]
                    .iter()
                    .all(|k| svc.merged.get(k).is_none())
                {
                    cx.retract_judged(
                        &svc.file,
                        format!("service `{name}` is a fragment completed by another Compose file"),
                    );
                    return;
                }
                for (path, re) in exempt {
                    if let Resolved::Found(h) = resolve(root(&svc.merged), &path.segments)
                        && text_of(h[0].node).is_some_and(|t| re.is_match(&t))
                    {
                        cx.retract_judged(
                            &svc.file,
                            format!("service `{name}` is exempt (`{}`)", path.text),
                        );
                        return;
                    }
                }
                if let Some(found) = has_any(&svc.merged, any_of) {
                    ok(cx, format!("service `{name}` sets `{found}`"));
                    return;
                }
                if let Some(kw) = instruction
                    && let Some(at) = self.dockerfile_has(cx, svc, kw)
                {
                    ok(
                        cx,
                        format!("service `{name}` runs an image with `{kw}` at `{at}`"),
                    );
                    return;
                }
                let at: Vec<&str> = any_of.iter().map(|p| p.text.as_str()).collect();
                let msg = self.msg(
                    "service `{service}` sets none of `{at}`",
                    &[("service", name), ("at", &at.join("`, `"))],
                );
                cx.report(Finding::at(&svc.file, svc.pos.line, svc.pos.col, msg));
            }
            Test::Value { at, re } => {
                let mut bad = false;
                for (file, _, node) in &svc.fragments {
                    for path in at {
                        for hit in select(root(node), &path.segments) {
                            let Some(value) = text_of(hit.node) else {
                                continue;
                            };
                            if re.is_match(&value) {
                                bad = true;
                                let msg = self.msg(
                                    "service `{service}` has `{at}` `{value}`",
                                    &[("service", name), ("at", &path.text), ("value", &value)],
                                );
                                let p = hit.node.pos;
                                cx.report(Finding::at(file, p.line, p.col, msg));
                            }
                        }
                    }
                }
                if !bad {
                    ok(cx, format!("service `{name}` complies"));
                }
            }
            Test::Depends {
                condition,
                healthy_when,
                instruction,
            } => self.check_depends(
                cx,
                svc,
                all,
                condition,
                healthy_when,
                instruction.as_deref(),
            ),
            Test::Ports { ports, local } => self.check_ports(cx, svc, ports, local),
            Test::Image { floating, digest } => {
                // A service that builds its image, or names none, pulls nothing to pin.
                if svc.merged.get("build").is_some() {
                    cx.judged_other -= 1;
                    return;
                }
                let Some(image) = svc.merged.get("image").and_then(text_of) else {
                    cx.judged_other -= 1;
                    return;
                };
                let Some(image_node) = svc.merged.get("image") else {
                    return;
                };
                let Some(resolved) = svc.resolve(&image) else {
                    ok(
                        cx,
                        format!("service `{name}` image `{image}` is chosen at run time"),
                    );
                    return;
                };
                match image_pin_problem(&resolved, floating, *digest) {
                    Some(problem) => {
                        let msg = self.msg(
                            "image `{value}` of service `{service}` {problem}",
                            &[("service", name), ("value", &image), ("problem", &problem)],
                        );
                        let (file, pos) = svc
                            .fragments
                            .iter()
                            .rev()
                            .find_map(|(f, _, n)| n.get("image").map(|i| (f.as_str(), i.pos)))
                            .unwrap_or((svc.file.as_str(), image_node.pos));
                        cx.report(Finding::at(file, pos.line, pos.col, msg));
                    }
                    None => ok(cx, format!("service `{name}` image `{image}` is pinned")),
                }
            }
        }
    }

    fn check_depends(
        &self,
        cx: &mut CheckCx<'_>,
        svc: &ComposeService,
        all: &[ComposeService],
        condition: &str,
        healthy_when: &[KeyPath],
        instruction: Option<&str>,
    ) {
        let name = svc.name.as_str();
        let mut bad = false;
        // A service is a subject only when it depends on something it could await as
        // healthy, or states a condition for a dependency (a decision either way).
        let mut subject = false;
        for (file, _, node) in &svc.fragments {
            let Some(deps) = node.get("depends_on") else {
                continue;
            };
            let entries: Vec<(String, Option<String>, crate::parse::yaml::Pos)> = match &deps.value
            {
                Value::Seq(items) => items
                    .iter()
                    .filter_map(|n| n.scalar_text().map(|t| (t, None, n.pos)))
                    .collect(),
                Value::Map(entries) => entries
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.name.clone(),
                            v.get("condition").and_then(Node::scalar_text),
                            k.pos,
                        )
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for (dep, cond, pos) in entries {
                // An explicit condition is a decision (`service_started` for a cache that
                // may come up later); only the implicit default is reported.
                if cond.is_some() {
                    subject = true;
                    continue;
                }
                let Some(target) = all.iter().find(|s| s.name == dep && s.dir == svc.dir) else {
                    continue;
                };
                let checkable = has_any(&target.merged, healthy_when).is_some()
                    || instruction.is_some_and(|kw| self.dockerfile_has(cx, target, kw).is_some());
                if !checkable {
                    continue;
                }
                subject = true;
                bad = true;
                let got = "service_started".to_owned();
                let msg = self.msg(
                    "service `{service}` waits for `{dependency}` to start, not to be healthy (`{condition}`)",
                    &[
                        ("service", name),
                        ("dependency", &dep),
                        ("value", &got),
                        ("condition", condition),
                    ],
                );
                cx.report(Finding::at(file, pos.line, pos.col, msg));
            }
        }
        if !subject {
            // Not a subject of this test: the rule skips when no service is one.
            cx.judged_other -= 1;
        } else if !bad {
            cx.evidence(Finding::at(
                &svc.file,
                svc.pos.line,
                svc.pos.col,
                format!("service `{name}` complies"),
            ));
        }
    }

    fn check_ports(
        &self,
        cx: &mut CheckCx<'_>,
        svc: &ComposeService,
        ports: &[u16],
        local: &[String],
    ) {
        let name = svc.name.as_str();
        let mut bad = false;
        for (file, _, node) in &svc.fragments {
            let Some(Value::Seq(items)) = node.get("ports").map(|p| &p.value) else {
                continue;
            };
            for item in items {
                let Some((host_ip, container)) = published(item, &|t| svc.resolve(t)) else {
                    continue;
                };
                let Some(port) = container else { continue };
                if !ports.contains(&port) {
                    continue;
                }
                if let Some(ip) = &host_ip
                    && local.iter().any(|l| l == ip)
                {
                    continue;
                }
                bad = true;
                let shown = item.scalar_text().unwrap_or_else(|| port.to_string());
                let msg = self.msg(
                    "service `{service}` publishes port `{port}` on all interfaces (`{value}`)",
                    &[
                        ("service", name),
                        ("port", &port.to_string()),
                        ("value", &shown),
                    ],
                );
                cx.report(Finding::at(file, item.pos.line, item.pos.col, msg));
            }
        }
        if !bad {
            cx.evidence(Finding::at(
                &svc.file,
                svc.pos.line,
                svc.pos.col,
                format!("service `{name}` publishes no watched port on all interfaces"),
            ));
        }
    }
}

/// Host address (`None`: all interfaces) and container port of one `ports:` entry. Short
/// syntax `[HOST_IP:][HOST:]CONTAINER[/PROTO]`, long syntax `{target, published, host_ip}`.
/// `${VAR:-default}` is read by its default; an unresolvable part makes the entry unjudged.
fn published(
    item: &Node,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> Option<(Option<String>, Option<u16>)> {
    match &item.value {
        Value::Map(_) => {
            item.get("published")?;
            let target = item.get("target").and_then(Node::scalar_text)?;
            let ip = match item.get("host_ip").and_then(Node::scalar_text) {
                Some(ip) => Some(resolve(&ip)?),
                None => None,
            };
            Some((ip, resolve(&target)?.parse().ok()))
        }
        Value::Scalar(_) => {
            let text = resolve(&item.scalar_text()?)?;
            let text = text.split('/').next().unwrap_or(&text);
            // IPv6 host addresses are bracketed: `[::1]:5432:5432`.
            let (ip, rest) = match text.strip_prefix('[') {
                Some(r) => {
                    let (ip, rest) = r.split_once("]:")?;
                    (Some(format!("[{ip}]")), rest.to_owned())
                }
                None => (None, text.to_owned()),
            };
            let parts: Vec<&str> = rest.split(':').collect();
            let (ip, container) = match (ip, parts.as_slice()) {
                (Some(ip), [_, c]) => (Some(ip), *c),
                (None, [c]) => (None, *c),
                (None, [_, c]) => (None, *c),
                (None, [ip, _, c]) => (Some((*ip).to_owned()).filter(|s| !s.is_empty()), *c),
                _ => return None,
            };
            let ip = ip.filter(|s| s != "0.0.0.0" && s != "::" && s != "[::]");
            // A range (`5432-5433`) is judged by its first port.
            let first = container.split('-').next().unwrap_or(container);
            Some((ip, first.trim().parse().ok()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::published;
    use crate::check::testing::{lines, run};
    use crate::parse::yaml::parse_documents;

    fn port(s: &str) -> Option<(Option<String>, Option<u16>)> {
        let docs = parse_documents(&format!("p: {s}\n")).unwrap();
        published(docs[0].get("p").unwrap(), &|t| {
            crate::check::orchestration::with_defaults(t)
        })
    }

    #[test]
    fn port_syntax() {
        assert_eq!(port("\"5432:5432\""), Some((None, Some(5432))));
        assert_eq!(
            port("\"127.0.0.1:5432:5432\""),
            Some((Some("127.0.0.1".into()), Some(5432)))
        );
        assert_eq!(port("\"0.0.0.0:6379:6379/tcp\""), Some((None, Some(6379))));
        assert_eq!(port("\"5432\""), Some((None, Some(5432))));
        assert_eq!(port("\"${DB_PORT:-5433}:5432\""), Some((None, Some(5432))));
        assert_eq!(
            port("\"${BIND:-127.0.0.1}:5432:5432\""),
            Some((Some("127.0.0.1".into()), Some(5432)))
        );
        assert_eq!(port("\"${BIND}:5432:5432\""), None);
        assert_eq!(
            port("\"[::1]:5432:5432\""),
            Some((Some("[::1]".into()), Some(5432)))
        );
        assert_eq!(
            port("{target: 5432, published: 5432, host_ip: 127.0.0.1}"),
            Some((Some("127.0.0.1".into()), Some(5432)))
        );
        assert_eq!(port("{target: 5432}"), None);
    }

    const BASE: &str = "services:\n  api:\n    build: .\n  db:\n    image: postgres:16.3\n";

    #[test]
    fn overlay_completes_the_service() {
        let p = "test:\n  present:\n    any_of: [healthcheck.test]";
        let over = "services:\n  db:\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n";
        let (_, f, _) = run(
            "compose_service",
            p,
            &[
                ("docker-compose.yml", BASE),
                ("docker-compose.override.yml", over),
            ],
        );
        assert_eq!(
            lines(&f),
            vec!["docker-compose.yml:2:3: service `api` sets none of `healthcheck.test`"]
        );
    }

    #[test]
    fn dockerfile_healthcheck_satisfies_a_built_service() {
        let p = "test:\n  present:\n    any_of: [healthcheck.test]\n    dockerfile_instruction: HEALTHCHECK";
        let (_, f, _) = run(
            "compose_service",
            p,
            &[
                ("docker-compose.yml", BASE),
                (
                    "Dockerfile",
                    "FROM node:20 AS b\nHEALTHCHECK CMD true\nFROM b\n",
                ),
            ],
        );
        assert_eq!(
            lines(&f),
            vec!["docker-compose.yml:4:3: service `db` sets none of `healthcheck.test`"]
        );
    }

    #[test]
    fn fragments_without_image_or_build_are_not_judged() {
        let p = "test:\n  present:\n    any_of: [restart]";
        let c = "services:\n  app:\n    labels: {traefik.enable: \"true\"}\n";
        let (_, f, _) = run("compose_service", p, &[("proxy/compose.traefik.yml", c)]);
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn values_with_wildcards_report_in_their_file() {
        let p = "test:\n  value:\n    at: [\"volumes[*]\", \"volumes[*].source\"]\n    matches: '^/var/run/docker\\.sock'";
        let c = "services:\n  a:\n    image: x:1\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n      - type: bind\n        source: /var/run/docker.sock\n        target: /s\n      - data:/data\n";
        let (_, f, _) = run("compose_service", p, &[("compose.yaml", c)]);
        assert_eq!(f.len(), 2, "{f:?}");
    }

    #[test]
    fn depends_on_only_when_the_dependency_is_checkable() {
        let p = "test:\n  depends_on_condition:\n    condition: service_healthy\n    healthy_when: [healthcheck.test]";
        let c = "services:\n  api:\n    image: a:1\n    depends_on: [db, cache]\n  db:\n    image: postgres:16\n    healthcheck: {test: [\"CMD\", \"pg_isready\"]}\n  cache:\n    image: redis:7\n";
        let (_, f, _) = run("compose_service", p, &[("compose.yaml", c)]);
        assert_eq!(
            lines(&f),
            vec![
                "compose.yaml:4:18: service `api` waits for `db` to start, not to be healthy (`service_healthy`)"
            ]
        );
    }

    #[test]
    fn image_tags_with_variables() {
        let p = "test:\n  image_tag: {}";
        let c = "services:\n  a:\n    image: redis\n  b:\n    image: ${REG:-ghcr.io}/b:${TAG:-1.2.3}\n  c:\n    image: postgres:${PG}\n  d:\n    build: .\n    image: acme/d\n  e:\n    image: x:${T:-latest}\n";
        let (_, f, _) = run("compose_service", p, &[("compose.yaml", c)]);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].message.contains("`redis`"));
    }
}

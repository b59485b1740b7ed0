//! File selectors: every glob any rule uses is compiled into one `GlobSet`, and each file
//! is classified once during the audit, so no rule ever scans the whole file list.

use super::scope::{Role, RoleSet};
use globset::{Candidate, GlobBuilder, GlobSet, GlobSetBuilder};

/// Identifies one registered selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SelectorId(pub(crate) usize);

/// In an include list, stands for every Compose file: the usual names
/// (`docker-compose*.yml`, `compose.yaml`, overlays) and any other YAML file whose content
/// is a Compose file (a top-level `services:` map of services: `deploy/compose/basic.yml`).
pub const COMPOSE: &str = "<compose>";

/// File names of Compose files, overlays included.
pub const COMPOSE_NAMES: &[&str] = &[
    "docker-compose*.yml",
    "docker-compose*.yaml",
    "compose.yml",
    "compose.yaml",
    "compose.*.yml",
    "compose.*.yaml",
];

/// A set of include globs minus a set of exclude globs, among files of some roles.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Spec {
    include: Vec<String>,
    exclude: Vec<String>,
    case_insensitive: bool,
    roles: RoleSet,
    /// Also YAML files that are Compose files by content.
    compose: bool,
}

/// Collects selectors while rules compile, then builds the matcher.
#[derive(Debug, Default)]
pub struct SelectorRegistry {
    specs: Vec<Spec>,
    /// How many checks and conditions registered each selector: a file only one of them
    /// reads need not be cached after that read.
    uses: Vec<u32>,
    /// Each distinct glob, built once when first registered (many selectors share them).
    globs: std::collections::HashMap<(String, bool), globset::Glob>,
}

/// Turns a gitignore-style pattern into a globset pattern rooted at the repository:
/// a leading `/` anchors, a pattern without `/` matches at any depth, a trailing `/`
/// means everything below a directory.
#[must_use]
pub fn normalize_glob(pattern: &str) -> String {
    let p = pattern.trim();
    // As in gitignore, a trailing `/` does not anchor: `node_modules/` is any depth.
    let (p, below) = match p.strip_suffix('/') {
        Some(dir) => (dir, "/**"),
        None => (p, ""),
    };
    if let Some(anchored) = p.strip_prefix('/') {
        return format!("{anchored}{below}");
    }
    if p.starts_with("**/") || p.contains('/') {
        format!("{p}{below}")
    } else {
        format!("**/{p}{below}")
    }
}

fn build_glob(pattern: &str, case_insensitive: bool) -> Result<globset::Glob, String> {
    GlobBuilder::new(&normalize_glob(pattern))
        .literal_separator(true)
        .case_insensitive(case_insensitive)
        .backslash_escape(true)
        .build()
        .map_err(|e| format!("invalid glob `{pattern}`: {}", e.kind()))
}

impl SelectorRegistry {
    /// Registers a selector (validating its globs) of the files of `roles` that match;
    /// files that match the globs but have another role are kept apart as "set aside".
    /// Identical selectors share an id.
    pub fn register(
        &mut self,
        include: &[String],
        exclude: &[String],
        case_insensitive: bool,
        roles: RoleSet,
    ) -> Result<SelectorId, String> {
        let compose = include.iter().any(|g| g == COMPOSE);
        let include: Vec<String> = include
            .iter()
            .flat_map(|g| {
                if g == COMPOSE {
                    COMPOSE_NAMES.iter().map(|n| (*n).to_owned()).collect()
                } else {
                    vec![g.clone()]
                }
            })
            .collect();
        let include = include.as_slice();
        for p in include.iter().chain(exclude) {
            if let std::collections::hash_map::Entry::Vacant(slot) =
                self.globs.entry((p.clone(), case_insensitive))
            {
                slot.insert(build_glob(p, case_insensitive)?);
            }
        }
        if include.is_empty() {
            return Err("a file selector needs at least one glob".to_owned());
        }
        let spec = Spec {
            include: include.to_vec(),
            exclude: exclude.to_vec(),
            case_insensitive,
            roles,
            compose,
        };
        if let Some(i) = self.specs.iter().position(|s| *s == spec) {
            self.uses[i] += 1;
            return Ok(SelectorId(i));
        }
        self.specs.push(spec);
        self.uses.push(1);
        Ok(SelectorId(self.specs.len() - 1))
    }

    /// Builds the combined matcher. A glob many selectors share (`**/*.py`) is compiled
    /// once and owned by all of them: the rule set's 1,600 globs are 500 distinct ones.
    pub fn build(&self) -> Result<Selectors, String> {
        let built = &self.globs;
        let add = |set: &mut GlobSetBuilder,
                   owners: &mut Vec<Vec<u32>>,
                   index: &mut std::collections::HashMap<(String, bool), usize>,
                   pattern: &str,
                   case_insensitive: bool,
                   id: usize|
         -> Result<(), String> {
            let key = (pattern.to_owned(), case_insensitive);
            let g = if let Some(&g) = index.get(&key) {
                g
            } else {
                match built.get(&key) {
                    Some(glob) => set.add(glob.clone()),
                    None => set.add(build_glob(pattern, case_insensitive)?),
                };
                owners.push(Vec::new());
                index.insert(key, owners.len() - 1);
                owners.len() - 1
            };
            let id = crate::textpos::to_u32(id);
            if owners[g].last() != Some(&id) {
                owners[g].push(id);
            }
            Ok(())
        };
        let mut include = GlobSetBuilder::new();
        let mut include_owner = Vec::new();
        let mut include_index = std::collections::HashMap::new();
        let mut exclude = GlobSetBuilder::new();
        let mut exclude_owner = Vec::new();
        let mut exclude_index = std::collections::HashMap::new();
        for (id, spec) in self.specs.iter().enumerate() {
            for p in &spec.include {
                add(
                    &mut include,
                    &mut include_owner,
                    &mut include_index,
                    p,
                    spec.case_insensitive,
                    id,
                )?;
            }
            for p in &spec.exclude {
                add(
                    &mut exclude,
                    &mut exclude_owner,
                    &mut exclude_index,
                    p,
                    spec.case_insensitive,
                    id,
                )?;
            }
        }
        Ok(Selectors {
            count: self.specs.len(),
            include: include.build().map_err(|e| e.to_string())?,
            include_owner,
            exclude: exclude.build().map_err(|e| e.to_string())?,
            exclude_owner,
            describe: self.specs.iter().map(|s| s.include.join("`, `")).collect(),
            roles: self.specs.iter().map(|s| s.roles).collect(),
            compose: self.specs.iter().map(|s| s.compose).collect(),
            uses: self.uses.clone(),
        })
    }
}

/// The compiled selectors.
#[derive(Debug)]
pub struct Selectors {
    count: usize,
    include: GlobSet,
    /// The selectors each distinct include glob belongs to.
    include_owner: Vec<Vec<u32>>,
    exclude: GlobSet,
    /// The selectors each distinct exclude glob belongs to.
    exclude_owner: Vec<Vec<u32>>,
    describe: Vec<String>,
    roles: Vec<RoleSet>,
    compose: Vec<bool>,
    uses: Vec<u32>,
}

impl Selectors {
    /// Whether selector `id` also takes Compose files found by their content.
    #[must_use]
    pub fn takes_compose_content(&self, id: usize) -> bool {
        self.compose[id]
    }

    /// Whether selector `id` takes files of `role`.
    #[must_use]
    pub fn takes(&self, id: usize, role: Role) -> bool {
        self.roles[id].contains(role)
    }

    /// How many selectors there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The selectors a relative path belongs to, in ascending order.
    #[must_use]
    pub fn classify(&self, rel: &str, scratch: &mut Vec<usize>) -> Vec<u32> {
        let candidate = Candidate::new(rel);
        self.include.matches_candidate_into(&candidate, scratch);
        let mut ids: Vec<u32> = scratch
            .iter()
            .flat_map(|&g| self.include_owner[g].iter().copied())
            .collect();
        if ids.is_empty() {
            return ids;
        }
        ids.sort_unstable();
        ids.dedup();
        if !self.exclude.is_empty() {
            self.exclude.matches_candidate_into(&candidate, scratch);
            for &g in scratch.iter() {
                let owners = &self.exclude_owner[g];
                ids.retain(|i| !owners.contains(i));
            }
        }
        ids
    }

    /// How many readers registered a selector.
    #[must_use]
    pub fn uses(&self, id: usize) -> u32 {
        self.uses.get(id).copied().unwrap_or(0)
    }

    /// The include globs of a selector, for messages (`Dockerfile`, `*.Dockerfile`).
    #[must_use]
    pub fn describe(&self, id: SelectorId) -> &str {
        &self.describe[id.0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitignore_style_anchoring() {
        let mut reg = SelectorRegistry::default();
        let any = reg
            .register(&["Dockerfile".into()], &[], false, RoleSet::ALL)
            .unwrap();
        let root = reg
            .register(&["/README*".into()], &[], true, RoleSet::ALL)
            .unwrap();
        let wf = reg
            .register(
                &[".github/workflows/*.y*ml".into()],
                &["**/fixtures/**".into()],
                false,
                RoleSet::ALL,
            )
            .unwrap();
        let sel = reg.build().unwrap();
        let mut s = Vec::new();
        assert_eq!(sel.classify("svc/Dockerfile", &mut s), vec![any.0 as u32]);
        assert_eq!(sel.classify("readme.md", &mut s), vec![root.0 as u32]);
        assert!(sel.classify("docs/README.md", &mut s).is_empty());
        assert_eq!(
            sel.classify(".github/workflows/ci.yml", &mut s),
            vec![wf.0 as u32]
        );
        assert!(
            sel.classify("x/fixtures/y/.github/workflows/ci.yml", &mut s)
                .is_empty()
        );
        assert!(
            reg.register(&["a[".into()], &[], false, RoleSet::ALL)
                .is_err()
        );
    }

    #[test]
    fn identical_selectors_share_an_id() {
        let mut reg = SelectorRegistry::default();
        let a = reg
            .register(&["*.py".into()], &[], false, RoleSet::ALL)
            .unwrap();
        let b = reg
            .register(&["*.py".into()], &[], false, RoleSet::ALL)
            .unwrap();
        assert_eq!(a, b);
        let c = reg
            .register(&["*.py".into()], &[], false, RoleSet::PRODUCTION)
            .unwrap();
        assert_ne!(a, c, "a selector of other roles is another selector");
    }
}

//! Dockerfile front end: `parse-dockerfile` does the BuildKit-compatible parsing
//! (continuations, `# escape=`, heredocs, JSON vs shell form); this module turns its
//! borrowed syntax tree into an owned, stage-aware model with line numbers.

use crate::parse::yaml::Pos;
use crate::textpos::LineIndex;
use parse_dockerfile::{Command, Instruction, UnescapedString};
use std::fmt;

/// The form of a command instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `CMD ["a", "b"]`: executed directly.
    Exec,
    /// `CMD a b`: run by `/bin/sh -c`.
    Shell,
    /// Not a command instruction.
    None,
}

/// One instruction in a stage.
#[derive(Debug, Clone)]
pub struct Instr {
    /// Upper-case keyword (`RUN`, `COPY`, ...).
    pub keyword: &'static str,
    /// Where the keyword is.
    pub pos: Pos,
    /// The arguments as one line of text: shell form with continuations joined and comment
    /// lines dropped, exec form joined by spaces, `COPY`/`ADD` as `src… dest`.
    pub args: String,
    /// Exec or shell form, for RUN/CMD/ENTRYPOINT/HEALTHCHECK.
    pub form: Form,
    /// `--flag[=value]` options (`--from=build`, `--chown=app`, `--interval=30s`).
    pub flags: Vec<(String, Option<String>)>,
    /// Bodies of heredocs attached to the instruction.
    pub heredocs: Vec<String>,
}

impl Instr {
    /// The sources and destination of a `COPY`/`ADD` from the build context (not one
    /// `--from` another stage or image), in shell or JSON form; `None` for any other
    /// instruction.
    #[must_use]
    pub fn context_copy(&self) -> Option<(Vec<String>, String)> {
        if !matches!(self.keyword, "COPY" | "ADD") || self.flags.iter().any(|(n, _)| n == "from") {
            return None;
        }
        let mut words: Vec<String> = if self.args.trim_start().starts_with('[') {
            serde_json::from_str::<Vec<String>>(self.args.trim()).unwrap_or_default()
        } else {
            self.args.split_whitespace().map(str::to_owned).collect()
        };
        let dest = words.pop()?;
        Some((words, dest))
    }
}

/// One build stage: a `FROM` and the instructions up to the next `FROM`.
#[derive(Debug, Clone)]
pub struct Stage {
    /// 0-based stage number.
    pub index: usize,
    /// `AS name`, lower-cased as Docker treats it.
    pub name: Option<String>,
    /// The image as written (`node:${TAG}`).
    pub image: String,
    /// The image with global `ARG` defaults substituted, when every variable had one.
    pub image_resolved: Option<String>,
    /// Where the image reference is.
    pub image_pos: Pos,
    /// Where `FROM` is.
    pub from_pos: Pos,
    /// The earlier stage this one builds on (`FROM build`), if any.
    pub parent: Option<usize>,
    /// The instructions of the stage, `FROM` excluded.
    pub instructions: Vec<Instr>,
}

impl Stage {
    /// The image name to judge: resolved when possible, as written otherwise.
    #[must_use]
    pub fn effective_image(&self) -> &str {
        self.image_resolved.as_deref().unwrap_or(&self.image)
    }
}

/// A parsed Dockerfile.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    /// Stages in order; never empty for a parsed file.
    pub stages: Vec<Stage>,
    /// `ARG`s before the first `FROM`: name and default.
    pub global_args: Vec<(String, Option<String>)>,
}

/// A Dockerfile that could not be parsed.
#[derive(Debug, Clone)]
pub struct DockerfileError {
    /// Where, when the parser said.
    pub pos: Option<Pos>,
    /// What.
    pub message: String,
}

impl fmt::Display for DockerfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(p) => write!(f, "{}:{}: {}", p.line, p.col, self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl Dockerfile {
    /// The last stage: the image that `docker build` produces without `--target`.
    #[must_use]
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The stage and the earlier stages it builds on, nearest first.
    #[must_use]
    pub fn lineage<'a>(&'a self, stage: &'a Stage) -> Vec<&'a Stage> {
        let mut out = vec![stage];
        let mut cur = stage;
        while let Some(p) = cur.parent {
            // Parents always come earlier, so this terminates.
            let Some(parent) = self.stages.get(p).filter(|s| s.index < cur.index) else {
                break;
            };
            out.push(parent);
            cur = parent;
        }
        out
    }

    /// The external base image a stage ultimately starts from.
    #[must_use]
    pub fn root_image<'a>(&'a self, stage: &'a Stage) -> &'a Stage {
        self.lineage(stage).last().copied().unwrap_or(stage)
    }

    /// Parses Dockerfile text.
    pub fn parse(text: &str) -> Result<Dockerfile, DockerfileError> {
        let index = LineIndex::new(text);
        let pos = |offset: usize| {
            let (line, col) = index.position(text, offset);
            Pos { line, col }
        };
        let parsed = parse_dockerfile::parse(text).map_err(|e| DockerfileError {
            pos: Some(Pos {
                line: crate::textpos::to_u32(e.line()),
                col: crate::textpos::to_u32(e.column()),
            }),
            message: strip_position(&e.to_string()),
        })?;
        let escape = parsed
            .parser_directives
            .escape
            .as_ref()
            .map_or('\\', |d| d.value.value);
        let mut global_args = Vec::new();
        let mut stages: Vec<Stage> = Vec::new();
        for instruction in &parsed.instructions {
            if let Instruction::From(from) = instruction {
                let name = from.as_.as_ref().map(|(_, n)| n.value.to_ascii_lowercase());
                let image = from.image.value.to_string();
                let parent = stages
                    .iter()
                    .find(|s| s.name.as_deref() == Some(image.to_ascii_lowercase().as_str()))
                    .map(|s| s.index);
                let image_resolved = expand(&image, &global_args);
                stages.push(Stage {
                    index: stages.len(),
                    name,
                    image_resolved: image_resolved.filter(|r| r != &image),
                    image,
                    image_pos: pos(from.image.span.start),
                    from_pos: pos(from.from.span.start),
                    parent,
                    instructions: Vec::new(),
                });
                continue;
            }
            let instr = convert(instruction, escape, &pos);
            match stages.last_mut() {
                Some(stage) => stage.instructions.push(instr),
                None => {
                    if let Instruction::Arg(arg) = instruction {
                        global_args.extend(parse_arg(&arg.arguments.value));
                    }
                }
            }
        }
        if stages.is_empty() {
            return Err(DockerfileError {
                pos: None,
                message: "no FROM instruction".to_owned(),
            });
        }
        Ok(Dockerfile {
            stages,
            global_args,
        })
    }
}

fn strip_position(msg: &str) -> String {
    // parse-dockerfile appends " at line L column C"; the position is kept separately.
    msg.find(" at line ")
        .map_or_else(|| msg.to_owned(), |i| msg[..i].to_owned())
}

fn parse_arg(text: &str) -> Vec<(String, Option<String>)> {
    text.split_whitespace()
        .map(|part| match part.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.trim_matches('"').to_owned())),
            None => (part.to_owned(), None),
        })
        .collect()
}

/// Expands `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR-default}` from global ARG
/// defaults. Returns `None` when a variable has no value to expand to.
/// A default that refers to another `ARG` (`ARG IMAGE=rust:${RUST_VERSION}`) is expanded
/// too, a few levels deep.
#[must_use]
pub fn expand(text: &str, args: &[(String, Option<String>)]) -> Option<String> {
    expand_depth(text, args, 4)
}

fn expand_depth(text: &str, args: &[(String, Option<String>)], depth: u8) -> Option<String> {
    let lookup = |name: &str| {
        let v = args
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.clone())?;
        if v.contains('$') {
            if depth == 0 {
                return None;
            }
            expand_depth(&v, args, depth - 1)
        } else {
            Some(v)
        }
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(body) = rest.strip_prefix('{') {
            let end = body.find('}')?;
            let inner = &body[..end];
            rest = &body[end + 1..];
            let (name, default) = match inner.find(":-").or_else(|| inner.find('-')) {
                Some(j) => {
                    let skip = if inner[j..].starts_with(":-") { 2 } else { 1 };
                    (&inner[..j], Some(&inner[j + skip..]))
                }
                None => (inner, None),
            };
            out.push_str(&lookup(name).or_else(|| default.map(str::to_owned))?);
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if end == 0 {
                out.push('$');
                continue;
            }
            out.push_str(&lookup(&rest[..end])?);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    Some(out)
}

/// Joins continuation lines the way BuildKit does and drops comment lines inside them.
#[must_use]
pub fn normalize_shell(raw: &str, escape: char) -> String {
    let mut out = String::with_capacity(raw.len());
    for (i, line) in raw.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if i > 0 && line.trim_start().starts_with('#') {
            continue;
        }
        match line.trim_end().strip_suffix(escape) {
            Some(joined) => out.push_str(joined),
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out.trim().to_owned()
}

fn join(items: &[UnescapedString<'_>]) -> String {
    items
        .iter()
        .map(|s| s.value.as_ref())
        .collect::<Vec<_>>()
        .join(" ")
}

fn command(cmd: &Command<'_>, escape: char) -> (String, Form) {
    match cmd {
        Command::Exec(items) => (join(&items.value), Form::Exec),
        Command::Shell(text) => (normalize_shell(text.value, escape), Form::Shell),
        _ => (String::new(), Form::None),
    }
}

fn flags(list: &[parse_dockerfile::Flag<'_>]) -> Vec<(String, Option<String>)> {
    list.iter()
        .map(|f| {
            (
                f.name.value.to_string(),
                f.value.as_ref().map(|v| v.value.to_string()),
            )
        })
        .collect()
}

fn sources(src: &[parse_dockerfile::Source<'_>]) -> (Vec<String>, Vec<String>) {
    let mut paths = Vec::new();
    let mut docs = Vec::new();
    for s in src {
        match s {
            parse_dockerfile::Source::Path(p) => paths.push(p.value.to_string()),
            parse_dockerfile::Source::HereDoc(h) => docs.push(h.value.to_string()),
            _ => {}
        }
    }
    (paths, docs)
}

#[allow(clippy::too_many_lines)]
fn convert(instruction: &Instruction<'_>, escape: char, pos: &dyn Fn(usize) -> Pos) -> Instr {
    let simple = |keyword: &'static str, start: usize, args: String| Instr {
        keyword,
        pos: pos(start),
        args,
        form: Form::None,
        flags: Vec::new(),
        heredocs: Vec::new(),
    };
    match instruction {
        Instruction::Run(i) => {
            let (args, form) = command(&i.arguments, escape);
            Instr {
                keyword: "RUN",
                pos: pos(i.run.span.start),
                args,
                form,
                flags: flags(&i.options),
                heredocs: i.here_docs.iter().map(|h| h.value.to_string()).collect(),
            }
        }
        Instruction::Cmd(i) => {
            let (args, form) = command(&i.arguments, escape);
            Instr {
                form,
                ..simple("CMD", i.cmd.span.start, args)
            }
        }
        Instruction::Entrypoint(i) => {
            let (args, form) = command(&i.arguments, escape);
            Instr {
                form,
                ..simple("ENTRYPOINT", i.entrypoint.span.start, args)
            }
        }
        Instruction::Healthcheck(i) => {
            let (args, form) = match &i.arguments {
                parse_dockerfile::HealthcheckArguments::Cmd { arguments, .. } => {
                    let (a, f) = command(arguments, escape);
                    (format!("CMD {a}"), f)
                }
                _ => ("NONE".to_owned(), Form::None),
            };
            Instr {
                form,
                flags: flags(&i.options),
                ..simple("HEALTHCHECK", i.healthcheck.span.start, args)
            }
        }
        Instruction::Copy(i) => {
            let (mut paths, heredocs) = sources(&i.src);
            paths.push(i.dest.value.to_string());
            Instr {
                flags: flags(&i.options),
                heredocs,
                ..simple("COPY", i.copy.span.start, paths.join(" "))
            }
        }
        Instruction::Add(i) => {
            let (mut paths, heredocs) = sources(&i.src);
            paths.push(i.dest.value.to_string());
            Instr {
                flags: flags(&i.options),
                heredocs,
                ..simple("ADD", i.add.span.start, paths.join(" "))
            }
        }
        Instruction::Arg(i) => simple("ARG", i.arg.span.start, i.arguments.value.to_string()),
        Instruction::Env(i) => simple(
            "ENV",
            i.env.span.start,
            normalize_shell(&i.arguments.value, escape),
        ),
        Instruction::Expose(i) => simple("EXPOSE", i.expose.span.start, join(&i.arguments)),
        Instruction::Label(i) => simple(
            "LABEL",
            i.label.span.start,
            normalize_shell(&i.arguments.value, escape),
        ),
        Instruction::Maintainer(i) => simple(
            "MAINTAINER",
            i.maintainer.span.start,
            i.name.value.to_string(),
        ),
        Instruction::Onbuild(i) => simple("ONBUILD", i.onbuild.span.start, String::new()),
        Instruction::Shell(i) => simple("SHELL", i.shell.span.start, join(&i.arguments)),
        Instruction::Stopsignal(i) => simple(
            "STOPSIGNAL",
            i.stopsignal.span.start,
            i.arguments.value.to_string(),
        ),
        Instruction::User(i) => simple("USER", i.user.span.start, i.arguments.value.to_string()),
        Instruction::Volume(i) => {
            let args = match &i.arguments {
                parse_dockerfile::JsonOrStringArray::Json(items) => join(&items.value),
                parse_dockerfile::JsonOrStringArray::String(items) => join(items),
            };
            simple("VOLUME", i.volume.span.start, args)
        }
        Instruction::Workdir(i) => simple(
            "WORKDIR",
            i.workdir.span.start,
            i.arguments.value.to_string(),
        ),
        Instruction::From(i) => simple("FROM", i.from.span.start, i.image.value.to_string()),
        _ => simple("UNKNOWN", 0, String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arg_defaults_that_name_other_args_are_expanded() {
        let args = vec![
            ("RUST_VERSION".to_owned(), Some("1.83".to_owned())),
            (
                "IMAGE".to_owned(),
                Some("rust:${RUST_VERSION}-slim".to_owned()),
            ),
            ("LOOP".to_owned(), Some("${LOOP}".to_owned())),
        ];
        assert_eq!(expand("${IMAGE}", &args).as_deref(), Some("rust:1.83-slim"));
        assert_eq!(expand("${LOOP}", &args), None);
    }

    #[test]
    fn stages_aliases_and_lineage() {
        let df = Dockerfile::parse(
            "ARG TAG=20.11\nFROM node:${TAG} AS build\nRUN npm ci\nFROM build AS test\nUSER app\nFROM gcr.io/distroless/nodejs20:nonroot\nCOPY --from=build /app /app\n",
        )
        .unwrap();
        assert_eq!(df.stages.len(), 3);
        assert_eq!(df.stages[0].image_resolved.as_deref(), Some("node:20.11"));
        assert_eq!(df.stages[1].parent, Some(0));
        assert_eq!(df.lineage(&df.stages[1]).len(), 2);
        assert_eq!(
            df.final_stage().unwrap().instructions[0].flags[0],
            ("from".to_owned(), Some("build".to_owned()))
        );
        assert_eq!(df.stages[2].from_pos, Pos { line: 6, col: 1 });
    }

    #[test]
    fn continuations_comments_and_forms() {
        let df = Dockerfile::parse(
            "FROM debian:12\nRUN apt-get update && \\\n# a comment\n    apt-get install -y curl\nCMD [\"node\", \"server.js\"]\nENTRYPOINT node server.js\n",
        )
        .unwrap();
        let st = &df.stages[0];
        assert_eq!(
            st.instructions[0].args,
            "apt-get update &&     apt-get install -y curl"
        );
        assert_eq!(st.instructions[1].form, Form::Exec);
        assert_eq!(st.instructions[2].form, Form::Shell);
        assert_eq!(st.instructions[2].pos.line, 6);
    }

    #[test]
    fn escape_directive_and_heredoc() {
        let df = Dockerfile::parse(
            "# escape=`\nFROM mcr.microsoft.com/windows:ltsc2022\nRUN dir `\n  c:\\\n",
        )
        .unwrap();
        assert_eq!(df.stages[0].instructions[0].args, "dir   c:\\");
        let df =
            Dockerfile::parse("FROM alpine:3.20\nRUN <<EOF\nFROM not-a-stage\nEOF\nUSER 1000\n")
                .unwrap();
        assert_eq!(df.stages.len(), 1);
        assert_eq!(df.stages[0].instructions[0].heredocs.len(), 1);
        assert_eq!(df.stages[0].instructions[1].keyword, "USER");
    }

    #[test]
    fn errors_have_positions() {
        let err = Dockerfile::parse("FROM alpine:3.20\nFOO bar\n").unwrap_err();
        assert_eq!(err.pos.map(|p| p.line), Some(2));
        assert!(Dockerfile::parse("# nothing\n").is_err());
    }

    #[test]
    fn expansion() {
        let args = vec![
            ("A".to_owned(), Some("x".to_owned())),
            ("B".to_owned(), None),
        ];
        assert_eq!(expand("img:${A}", &args).as_deref(), Some("img:x"));
        assert_eq!(expand("img:$A-y", &args).as_deref(), Some("img:x-y"));
        assert_eq!(expand("img:${B:-z}", &args).as_deref(), Some("img:z"));
        assert_eq!(expand("img:${B}", &args), None);
    }
}

//! One self-contained HTML page (inline CSS and JS, no external assets): a score gauge,
//! per-category bars and a filterable findings table. Rows are rendered here, so the page
//! reads without JavaScript; the script only filters.

use super::{Report, RuleReport};
use crate::model::Severity;
use std::fmt::Write as _;

/// Escapes text for HTML content and attribute values.
#[must_use]
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn color(score: Option<u8>) -> &'static str {
    match score {
        Some(90..) => "#1a7f37",
        Some(70..=89) => "#bf8700",
        Some(_) => "#cf222e",
        None => "#6e7781",
    }
}

fn gauge(score: Option<u8>, grade: Option<char>) -> String {
    // A 270° arc; the filled part is proportional to the score.
    let r = 52.0_f64;
    let full = 2.0 * std::f64::consts::PI * r * 0.75;
    let filled = full * f64::from(score.unwrap_or(0)) / 100.0;
    let label = score.map_or_else(|| "n/a".to_owned(), |s| s.to_string());
    let grade = grade.map(|g| g.to_string()).unwrap_or_default();
    format!(
        r##"<svg class="gauge" viewBox="0 0 140 140" role="img" aria-label="score {label}">
<circle cx="70" cy="70" r="52" fill="none" stroke="#d0d7de" stroke-width="12" stroke-dasharray="{full:.1} 1000" transform="rotate(135 70 70)" stroke-linecap="round"/>
<circle id="gauge-value" cx="70" cy="70" r="52" fill="none" stroke="{c}" stroke-width="12" stroke-dasharray="{filled:.1} 1000" transform="rotate(135 70 70)" stroke-linecap="round"/>
<text x="70" y="74" text-anchor="middle" font-size="30" font-weight="700" fill="{c}">{label}</text>
<text x="70" y="100" text-anchor="middle" font-size="16" fill="#57606a">{grade}</text>
</svg>"##,
        c = color(score)
    )
}

fn sev_class(s: Severity) -> &'static str {
    s.as_str()
}

const STYLE: &str = r"
body{font:14px/1.45 -apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:24px}
header{display:flex;gap:24px;align-items:center;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:16px 24px}
.gauge{width:140px;height:140px;flex:none}
h1{font-size:22px;margin:0 0 4px}
.gate-pass{color:#1a7f37;font-weight:600}.gate-fail{color:#cf222e;font-weight:600}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:16px 24px;margin-top:16px}
.bar{display:grid;grid-template-columns:130px 1fr 70px;gap:12px;align-items:center;margin:6px 0}
.track{background:#eaeef2;border-radius:4px;height:12px;overflow:hidden}.fill{height:12px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0}
.sev{font-weight:600;text-transform:uppercase;font-size:12px}
.critical{color:#8250df}.high{color:#cf222e}.medium{color:#bf8700}.low{color:#0969da}.info{color:#6e7781}
.filters{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:12px}
input,select{font:inherit;padding:4px 8px;border:1px solid #d0d7de;border-radius:6px}
code{background:#eff1f3;border-radius:4px;padding:1px 4px;font-size:12px}
.muted{color:#57606a}
";

const SCRIPT: &str = r"
(function(){
  var rows=[].slice.call(document.querySelectorAll('#findings tbody tr'));
  var sev=document.getElementById('f-sev'),cat=document.getElementById('f-cat'),q=document.getElementById('f-q'),n=document.getElementById('f-count');
  function apply(){
    var s=sev.value,c=cat.value,t=q.value.toLowerCase(),shown=0;
    rows.forEach(function(r){
      var ok=(!s||r.dataset.severity===s)&&(!c||r.dataset.category===c)&&(!t||r.textContent.toLowerCase().indexOf(t)>=0);
      r.style.display=ok?'':'none'; if(ok)shown++;
    });
    n.textContent=shown+' of '+rows.length+' findings';
    return shown;
  }
  [sev,cat].forEach(function(e){e.addEventListener('change',apply)}); q.addEventListener('input',apply);
  apply();
  if(location.hash==='#selftest'){
    var out={rows:rows.length,all:apply()};
    sev.value='critical';out.critical=apply();sev.value='';
    q.value='zzz-no-such-text';out.none=apply();q.value='';
    out.restored=apply();
    var pre=document.createElement('pre');pre.id='selftest';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);
  }
})();
";

/// Writes the HTML report.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let o = &report.score.overall;
    let mut s = String::with_capacity(16 * 1024);
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n");
    let _ = writeln!(
        s,
        "<title>readycheck report: {}</title>",
        o.score.map_or_else(|| "n/a".to_owned(), |v| v.to_string())
    );
    let _ = writeln!(s, "<style>{STYLE}</style></head><body><main>");
    let gate = if report.gate.passed {
        "<span class=\"gate-pass\" id=\"gate\">Gate passed</span>".to_owned()
    } else {
        format!(
            "<span class=\"gate-fail\" id=\"gate\">Gate failed</span>: {}",
            esc(&report.gate.reasons.join("; "))
        )
    };
    let m = &report.summary;
    let _ = writeln!(
        s,
        "<header>{}<div><h1>Production readiness</h1><p>{gate}</p><p class=\"muted\" id=\"summary\">readycheck {} · {} files · {} rules: {} passed, {} failed, {} skipped, {} inconclusive</p></div></header>",
        gauge(o.score, o.grade),
        esc(&report.tool.version),
        m.files,
        m.rules,
        m.passed,
        m.failed,
        m.skipped,
        m.inconclusive
    );
    s.push_str("<section><h2>Categories</h2>\n");
    for (cat, t) in &report.score.by_category {
        let pct = t.score.unwrap_or(0);
        let label = t.score.map_or_else(
            || "n/a".to_owned(),
            |v| format!("{v} ({})", t.grade.unwrap_or('?')),
        );
        let _ = writeln!(
            s,
            "<div class=\"bar\" data-category=\"{c}\"><span>{c}</span><div class=\"track\"><div class=\"fill\" style=\"width:{pct}%;background:{}\"></div></div><span>{label}</span></div>",
            color(t.score),
            c = cat.as_str()
        );
    }
    s.push_str("</section>\n<section><h2>Findings</h2>\n<div class=\"filters\">\n<select id=\"f-sev\"><option value=\"\">all severities</option>");
    for sev in Severity::ALL.iter().rev() {
        let _ = write!(s, "<option value=\"{0}\">{0}</option>", sev.as_str());
    }
    s.push_str("</select>\n<select id=\"f-cat\"><option value=\"\">all categories</option>");
    for cat in report.score.by_category.keys() {
        let _ = write!(s, "<option value=\"{0}\">{0}</option>", cat.as_str());
    }
    s.push_str("</select>\n<input id=\"f-q\" type=\"search\" placeholder=\"filter text\"> <span id=\"f-count\" class=\"muted\"></span></div>\n");
    s.push_str("<table id=\"findings\"><thead><tr><th>Severity</th><th>Rule</th><th>Location</th><th>Finding</th></tr></thead><tbody>\n");
    let mut failed: Vec<&RuleReport> = report
        .results
        .iter()
        .filter(|r| r.outcome == "fail")
        .collect();
    failed.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    for r in &failed {
        for f in r.findings.iter().filter(|f| f.waiver.is_none()) {
            let _ = writeln!(
                s,
                "<tr data-severity=\"{sev}\" data-category=\"{cat}\"><td class=\"sev {sev}\">{sev}</td><td><code>{id}</code> {name}<br><span class=\"muted\">{title}</span></td><td><code>{loc}</code></td><td>{msg}<br><span class=\"muted\">Fix: {fix}</span></td></tr>",
                sev = sev_class(r.severity),
                cat = r.category.as_str(),
                id = esc(&r.id),
                name = esc(&r.name),
                title = esc(&r.title),
                loc = esc(&f.location.display()),
                msg = esc(&f.message),
                fix = esc(r.fix.split("\n\n").next().unwrap_or("").trim()),
            );
        }
    }
    s.push_str("</tbody></table></section>\n<section><h2>Skipped and inconclusive</h2><ul id=\"not-run\">\n");
    for r in report
        .results
        .iter()
        .filter(|r| r.outcome == "skipped" || r.outcome == "inconclusive")
    {
        let _ = writeln!(
            s,
            "<li><code>{}</code> {} <span class=\"muted\">({}): {}</span></li>",
            esc(&r.id),
            esc(&r.name),
            r.outcome,
            esc(r.reason.as_deref().unwrap_or(""))
        );
    }
    let _ = writeln!(
        s,
        "</ul></section></main>\n<script>{SCRIPT}</script>\n</body></html>"
    );
    out.write_all(s.as_bytes())
}

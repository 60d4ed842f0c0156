//! The page comparing two runs: both summaries, the rules one breaks and the other
//! keeps, every result whose verdict differs.

use super::*;

/// The comparison of two runs (for example the reference adapter and another): both
/// summaries side by side, the rules one breaks and the other keeps, and every result
/// whose verdict differs.
pub fn comparison_page(first: &Report, second: &Report) -> String {
    let mut out = String::new();
    head(&mut out, &format!("Conformance: {} vs {}", first.adapter, second.adapter));
    let _ = writeln!(
        out,
        "<header><h1>Conformance comparison</h1><p><b>1</b> <code>{}</code><br><b>2</b> <code>{}</code></p>\n\
         <nav><a href=\"#summary\">Summaries</a><a href=\"#rules\">Rules</a><a href=\"#differences\">Cases that \
         differ</a></nav></header>\n<section id=\"summary\"><h2>Summaries</h2><div class=\"pair\">",
        escape(&first.adapter),
        escape(&second.adapter)
    );
    for (n, report) in [(1, first), (2, second)] {
        let _ = write!(out, "<div><h3>{n}: <code>{}</code></h3><p>{}</p>", escape(&report.adapter), status(report));
        summary(&mut out, report, &format!("-{n}"));
        out.push_str("</div>");
    }
    out.push_str("</div></section>\n");
    compared_rules(&mut out, first, second);
    differences(&mut out, first, second);
    out.push_str("</body>\n</html>\n");
    out
}

/// The rules broken by one run only, and by both, as one table.
fn compared_rules(out: &mut String, first: &Report, second: &Report) {
    let broken = |r: &Report| -> BTreeMap<String, crate::report::BrokenRule> {
        r.broken_rules().into_iter().map(|b| (b.id.clone(), b)).collect()
    };
    let (a, b) = (broken(first), broken(second));
    let mut ids: Vec<&String> = a.keys().chain(b.keys()).collect::<BTreeSet<_>>().into_iter().collect();
    // Rules only one run breaks first, strongest level first.
    ids.sort_by_key(|id| (a.contains_key(*id) && b.contains_key(*id), a.get(*id).or(b.get(*id)).map(|r| r.level)));
    let _ = writeln!(
        out,
        "<section id=\"rules\"><h2>Rules broken ({} by 1, {} by 2)</h2><table class=\"left\"><thead><tr><th>rule</th><th>level</th>\
         <th>1</th><th>2</th><th>rule statement</th></tr></thead><tbody>",
        a.len(),
        b.len()
    );
    let side = |m: &BTreeMap<String, crate::report::BrokenRule>, id: &str| match m.get(id) {
        Some(r) => format!(
            "<td><span class=\"verdict v-{}\">broken</span> {}, e.g. <code>{}</code></td>",
            crate::report::CaseResult::broken(r.level).name(),
            plural(r.cases, "case"),
            escape(&r.example)
        ),
        None => "<td><span class=\"verdict v-pass\">not broken</span></td>".to_owned(),
    };
    for id in ids {
        let rule = a.get(id).or(b.get(id));
        let level = rule.map_or("", |r| r.level.name());
        let statement =
            first.rules.get(id).or(second.rules.get(id)).map_or("(not in the spec)", |r| r.statement.as_str());
        let _ = writeln!(
            out,
            "<tr data-rule=\"{}\"><td class=\"nowrap\"><code>{}</code></td><td><span class=\"level level-{level}\">{level}</span>\
             </td>{}{}<td>{}</td></tr>",
            escape(id),
            escape(id),
            side(&a, id),
            side(&b, id),
            escape(statement)
        );
    }
    out.push_str("</tbody></table></section>\n");
}

/// Every (case, target) whose verdicts differ between the runs (absent in one counts).
fn differences(out: &mut String, first: &Report, second: &Report) {
    let key = |r: &CaseResult| (r.id.clone(), r.target());
    let a: BTreeMap<(String, String), &CaseResult> = first.results.iter().map(|r| (key(r), r)).collect();
    let b: BTreeMap<(String, String), &CaseResult> = second.results.iter().map(|r| (key(r), r)).collect();
    let keys: BTreeSet<&(String, String)> = a.keys().chain(b.keys()).collect();
    let differ: Vec<_> =
        keys.into_iter().filter(|k| a.get(*k).map(|r| r.verdict) != b.get(*k).map(|r| r.verdict)).collect();
    let _ = writeln!(
        out,
        "<section id=\"differences\"><h2>Cases whose verdicts differ ({})</h2><table class=\"left\"><thead><tr><th>case</th>\
         <th>target</th><th>1</th><th>2</th><th>why</th></tr></thead><tbody>",
        differ.len()
    );
    let verdict = |r: Option<&&CaseResult>| match r {
        Some(r) => badge(r.verdict),
        None => "<span class=\"verdict v-absent\">absent</span>".to_owned(),
    };
    for k in differ {
        let (ra, rb) = (a.get(k), b.get(k));
        let mut why = String::new();
        for (n, r) in [(1, ra), (2, rb)] {
            let Some(r) = r.filter(|r| r.verdict != Verdict::Pass && !r.problems.is_empty()) else { continue };
            let first: String = first_line(r).chars().take(140).collect();
            let more = if first.len() < first_line(r).len() { "…" } else { "" };
            let _ = write!(why, "<details><summary>{n}: {}{more}</summary><ul class=\"problems\">", escape(&first));
            for p in &r.problems {
                why.push_str(&problem(p));
            }
            why.push_str("</ul></details>");
        }
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td class=\"nowrap\">{}</td><td>{}</td><td>{}</td><td>{why}</td></tr>",
            escape(&k.0),
            escape(&k.1),
            verdict(ra),
            verdict(rb)
        );
    }
    out.push_str("</tbody></table></section>\n");
}

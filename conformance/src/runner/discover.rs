//! Finding what to run: case files, corpus events, and the spec their rules come from.

use super::*;

/// Every case and corpus event whose id matches `filter` (a glob; everything if None).
/// Each case's rules must be in the spec; the case gets the strongest one's level.
pub fn discover(paths: &Paths, filter: Option<&globset::GlobMatcher>) -> Result<Vec<Runnable>, crate::case::CaseError> {
    let spec = load_spec(paths)?;
    let mut out = Vec::new();
    for file in crate::case::discover(&paths.cases) {
        let mut case = Case::load(&paths.cases, &file)?;
        if let Some(unknown) = case.cited_rules().into_iter().find(|id| spec.rule(id).is_none()) {
            return Err(crate::case::CaseError::Invalid {
                path: file,
                message: format!("rule {unknown} is not in {}", paths.spec.display()),
            });
        }
        case.level = spec.strongest(&case.rules).unwrap_or(Level::Must);
        for also in &mut case.also {
            also.level = spec.strongest(&also.rules).unwrap_or(Level::Must);
        }
        out.push(Runnable::Case(Box::new(case)));
    }
    for file in corpus_files(&paths.events) {
        let rel = file.strip_prefix(&paths.events).unwrap_or(&file).to_string_lossy().replace('\\', "/");
        out.push(Runnable::Corpus(rel));
    }
    out.retain(|r| filter.is_none_or(|f| f.is_match(r.id())));
    Ok(out)
}

/// The spec the cases cite, with the corpus rules the runner cites itself.
pub fn load_spec(paths: &Paths) -> Result<Spec, crate::case::CaseError> {
    let invalid = |message: String| crate::case::CaseError::Invalid { path: paths.spec.clone(), message };
    let spec = Spec::load(&paths.spec).map_err(|e| invalid(e.to_string()))?;
    for id in [spec::CORPUS_OBSERVATION, spec::CORPUS_INVALID, spec::CORPUS_SURVIVES] {
        if spec.rule(id).is_none() {
            return Err(invalid(format!("the corpus rule {id} is missing")));
        }
    }
    Ok(spec)
}

/// Every event file in the corpus (README files aside), sorted.
pub fn corpus_files(events: &Path) -> Vec<PathBuf> {
    crate::case::files_under(events, |p| p.extension().is_none_or(|e| e != "md"))
}

/// The snapshot name of a case id (insta names cannot hold `/`).
pub fn snapshot_name(id: &str) -> String {
    id.replace('/', "__")
}

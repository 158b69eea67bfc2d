//! Compile errors rendered for people: the message, where, and the offending line of
//! the cell with a caret under the span.

use evcxr::CompilationError;

/// Renders `errors` against the cell's original `code`. `guard` is the line that got the
/// kernel's guard prefix and that prefix's length, so columns there can be corrected.
/// Returns the `evalue` (first message) and the traceback lines.
pub(crate) fn render_compilation_errors(
    errors: &[CompilationError],
    code: &str,
    guard: Option<(usize, usize)>,
) -> (String, Vec<String>) {
    let lines: Vec<&str> = code.lines().collect();
    let mut traceback = Vec::new();
    for error in errors {
        let code_part = error.code().map(|c| format!("[{c}]")).unwrap_or_default();
        traceback.push(format!("{}{code_part}: {}", error.level(), error.message()));
        for spanned in error.spanned_messages() {
            let Some(span) = spanned.span else {
                if !spanned.label.is_empty() {
                    traceback.push(format!("  = {}", spanned.label));
                }
                continue;
            };
            let shift = match guard {
                Some((line, len)) if line == span.start_line => len,
                _ => 0,
            };
            let start = span.start_column.saturating_sub(shift).max(1);
            let end = if span.end_line == span.start_line {
                span.end_column.saturating_sub(shift).max(start + 1)
            } else {
                start + 1
            };
            traceback.push(format!(
                "  --> cell line {}, column {start}",
                span.start_line
            ));
            if let Some(source) = lines.get(span.start_line.wrapping_sub(1)) {
                let gutter = span.start_line.to_string();
                traceback.push(format!("{gutter} | {source}"));
                let pad = " ".repeat(gutter.len());
                let carets = "^".repeat(end - start);
                traceback.push(format!(
                    "{pad} | {}{carets} {}",
                    " ".repeat(start - 1),
                    spanned.label
                ));
            }
        }
        for help in error.help() {
            traceback.push(format!("  = help: {help}"));
        }
    }
    let evalue = errors
        .first()
        .map(|e| e.message())
        .unwrap_or_else(|| "compilation failed".into());
    (evalue, vec![traceback.join("\n")])
}

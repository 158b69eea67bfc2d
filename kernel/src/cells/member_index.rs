//! The member index: the methods and fields of the prelude's types and the common std
//! types, as rust-analyzer completed them after a `.` when the cell template was built
//! (`member_probes.rs`), saved beside the template. A new kernel's rust-analyzer needs
//! 10–15 s to load the standard library; meanwhile method completion answers from here.
//!
//! A receiver's type (as evcxr, rust-analyzer or `std::any::type_name` writes it, e.g.
//! `&alloc::vec::Vec<i32>`, `Box<playbook::series::Series>`) is found in the index by its
//! outer name ([`type_key`]); references, smart pointers and generic arguments are looked
//! through.

use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The index's file in the cell template.
pub(crate) const MEMBER_INDEX_FILE: &str = ".playbook-member-index.json";

/// Methods and fields per type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct MemberIndex {
    pub(crate) types: Vec<IndexedType>,
}

/// One type's members, and the outer names a receiver's type may have to be this one
/// (`Vec`; `Error` and `PlaybookError`; every std iterator adapter for `Iterator`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct IndexedType {
    pub(crate) names: Vec<String>,
    pub(crate) members: Vec<Member>,
}

/// What a member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum MemberKind {
    Method,
    Field,
}

/// A method or field as rust-analyzer completed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Member {
    /// The name (`is_empty`).
    pub(crate) name: String,
    /// What completion inserts (`is_empty()`, `push(value)`).
    pub(crate) code: String,
    pub(crate) kind: MemberKind,
    /// The type a method returns or a field has, as rust-analyzer wrote it (`Self`,
    /// `Iter<'_, T>`); `None` for `()` or when unknown.
    pub(crate) returns: Option<String>,
}

impl MemberIndex {
    /// The members of `type_name`'s type, when the index has it.
    pub(crate) fn members_of(&self, type_name: &str) -> Option<&[Member]> {
        let key = type_key(type_name)?;
        self.types
            .iter()
            .find(|t| t.names.contains(&key))
            .map(|t| t.members.as_slice())
    }

    /// The type `member` of `type_name` returns (or has, for a field); `Self` is
    /// `type_name` itself.
    pub(crate) fn member_type(&self, type_name: &str, member: &str) -> Option<String> {
        let found = self
            .members_of(type_name)?
            .iter()
            .find(|m| m.name == member)?;
        let returns = found.returns.as_deref()?;
        Some(if returns.trim() == "Self" {
            type_name.to_owned()
        } else {
            returns.to_owned()
        })
    }

    /// Reads the index saved in `dir` (a template).
    pub(crate) fn read(dir: &Path) -> Option<MemberIndex> {
        let bytes = std::fs::read(dir.join(MEMBER_INDEX_FILE)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Saves the index in `dir`.
    pub(crate) fn write(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::write(dir.join(MEMBER_INDEX_FILE), serde_json::to_vec(self)?)?;
        Ok(())
    }

    /// The index beside this machine's cell template, read once (`None` while there is
    /// none: looked for again next time).
    pub(crate) fn shared() -> Option<&'static MemberIndex> {
        static SHARED: OnceLock<MemberIndex> = OnceLock::new();
        if let Some(index) = SHARED.get() {
            return Some(index);
        }
        let index = MemberIndex::read(&super::cell_cache::template_dir())?;
        Some(SHARED.get_or_init(|| index))
    }
}

/// Smart pointers and wrappers a `.` looks through (auto-deref).
const DEREF_WRAPPERS: &[&str] = &["Box", "Arc", "Rc", "Ref", "RefMut", "MutexGuard"];

/// The name a type is indexed under: `Vec` for `&mut alloc::vec::Vec<i32>`, `slice` for
/// `&[T]` and `[T; 3]`, `Iterator` for `impl Iterator<Item = T>`, the pointee of a `Box`,
/// `Arc` or `Rc`. `None` for what has no name (a tuple, a closure, nothing).
pub(crate) fn type_key(type_name: &str) -> Option<String> {
    let mut ty = type_name.trim();
    loop {
        let before = ty;
        ty = ty.trim_start_matches('&').trim_start();
        if let Some(rest) = ty.strip_prefix('\'') {
            ty = rest.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_');
        }
        for prefix in ["mut ", "dyn ", "impl "] {
            ty = ty.strip_prefix(prefix).unwrap_or(ty).trim_start();
        }
        if ty == before {
            break;
        }
    }
    if ty.starts_with('[') {
        return Some("slice".to_owned());
    }
    let outer = ty.split('<').next().unwrap_or(ty).trim();
    let outer = outer.split(['+', ' ']).next().unwrap_or(outer);
    let name = outer.rsplit("::").next().unwrap_or(outer);
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    if DEREF_WRAPPERS.contains(&name)
        && let Some(inner) = first_generic_argument(ty)
    {
        return type_key(inner);
    }
    Some(name.to_owned())
}

/// `T` of `Box<T>` (the first argument at depth one).
fn first_generic_argument(ty: &str) -> Option<&str> {
    let open = ty.find('<')?;
    let mut depth = 0usize;
    for (at, c) in ty[open..].char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(&ty[open + 1..open + at]);
                }
            }
            ',' if depth == 1 => return Some(&ty[open + 1..open + at]),
            _ => {}
        }
    }
    None
}

/// The return type in a signature rust-analyzer shows (`pub fn iter(&self) -> Iter<'_, T>`
/// gives `Iter<'_, T>`): after the first arrow outside brackets, without the `where`
/// clause; `None` when it returns `()`.
pub(crate) fn return_type(signature: &str) -> Option<String> {
    let signature = signature.split(" where ").next().unwrap_or(signature);
    let bytes = signature.as_bytes();
    let mut depth = 0i32;
    let mut arrow = None;
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'-' if bytes.get(at + 1) == Some(&b'>') => {
                if depth == 0 && arrow.is_none() {
                    arrow = Some(at + 2);
                }
                at += 1;
            }
            b'<' | b'(' | b'[' => depth += 1,
            b'>' | b')' | b']' => depth -= 1,
            _ => {}
        }
        at += 1;
    }
    let returns = signature[arrow?..].trim().trim_end_matches(',').trim();
    (!returns.is_empty() && returns != "()").then(|| returns.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, kind: MemberKind, returns: Option<&str>) -> Member {
        Member {
            name: name.into(),
            code: format!("{name}()"),
            kind,
            returns: returns.map(str::to_owned),
        }
    }

    fn index() -> MemberIndex {
        MemberIndex {
            types: vec![
                IndexedType {
                    names: vec!["Vec".into()],
                    members: vec![
                        member("is_empty", MemberKind::Method, Some("bool")),
                        member("iter", MemberKind::Method, Some("Iter<'_, T>")),
                        member("clone", MemberKind::Method, Some("Self")),
                    ],
                },
                IndexedType {
                    names: vec!["Iterator".into(), "Iter".into(), "Map".into()],
                    members: vec![member("map", MemberKind::Method, Some("Map<Self, F>"))],
                },
                IndexedType {
                    names: vec!["Error".into(), "PlaybookError".into()],
                    members: vec![member("code", MemberKind::Field, Some("String"))],
                },
            ],
        }
    }

    #[test]
    fn a_type_is_found_by_its_outer_name_through_references_and_pointers() {
        for (written, key) in [
            ("Vec<i32>", Some("Vec")),
            ("&mut alloc::vec::Vec<i32>", Some("Vec")),
            ("::std::vec::Vec<String>", Some("Vec")),
            ("Box<playbook::series::Series>", Some("Series")),
            ("std::sync::Arc<Vec<u8>>", Some("Vec")),
            ("&'a str", Some("str")),
            ("&[f64]", Some("slice")),
            ("[u8; 4]", Some("slice")),
            ("impl Iterator<Item = i32> + '_", Some("Iterator")),
            ("std::collections::HashMap<String, f64>", Some("HashMap")),
            ("(i32, i32)", None),
            ("", None),
        ] {
            assert_eq!(type_key(written).as_deref(), key, "{written}");
        }
    }

    #[test]
    fn members_and_what_they_return_are_looked_up_by_type() {
        let index = index();
        let names: Vec<&str> = index
            .members_of("alloc::vec::Vec<i32>")
            .unwrap()
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(names, ["is_empty", "iter", "clone"]);
        assert_eq!(
            index.member_type("Vec<i32>", "iter").as_deref(),
            Some("Iter<'_, T>")
        );
        assert_eq!(
            index.member_type("Vec<i32>", "clone").as_deref(),
            Some("Vec<i32>")
        );
        assert!(
            index
                .members_of("core::slice::iter::Iter<'_, i32>")
                .is_some()
        );
        assert!(index.members_of("playbook::error::Error").is_some());
        assert!(
            index
                .members_of("::playbook::prelude::PlaybookError")
                .is_some()
        );
        assert_eq!(index.members_of("Unknown"), None);
        assert_eq!(index.member_type("Vec<i32>", "nope"), None);
    }

    #[test]
    fn return_types_are_read_from_signatures() {
        for (signature, returns) in [
            ("pub const fn is_empty(&self) -> bool", Some("bool")),
            ("pub fn iter(&self) -> Iter<'_, T>", Some("Iter<'_, T>")),
            ("pub fn push(&mut self, value: T)", None),
            (
                "fn map<B, F>(self, f: F) -> Map<Self, F> where Self: Sized, F: FnMut(Self::Item) -> B,",
                Some("Map<Self, F>"),
            ),
            ("fn for_each<F: FnMut(i32) -> ()>(self, f: F)", None),
            ("fn f() -> impl Fn(u8) -> u8", Some("impl Fn(u8) -> u8")),
            ("fn unit(&self) -> ()", None),
        ] {
            assert_eq!(return_type(signature).as_deref(), returns, "{signature}");
        }
    }

    #[test]
    fn the_index_reads_back_what_was_written() {
        let dir = std::env::temp_dir().join(format!("pb-member-index-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(MemberIndex::read(&dir), None);
        index().write(&dir).unwrap();
        assert_eq!(MemberIndex::read(&dir), Some(index()));
        std::fs::write(dir.join(MEMBER_INDEX_FILE), "{ not json").unwrap();
        assert_eq!(
            MemberIndex::read(&dir),
            None,
            "an unreadable index is no index"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}

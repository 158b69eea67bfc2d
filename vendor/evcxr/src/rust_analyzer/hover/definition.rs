//! playbook patch: the hover of a name that refers to (or defines) an item, a local, a
//! field: its module path, its signature, a constant's value, the generic arguments it was
//! used with, and its documentation, laid out as `ra_ap_ide` 0.0.347 did.

use ra_ap_hir::Adt;
use ra_ap_hir::AsAssocItem;
use ra_ap_hir::AsExternAssocItem;
use ra_ap_hir::AssocItemContainer;
use ra_ap_hir::DisplayTarget;
use ra_ap_hir::GenericDef;
use ra_ap_hir::GenericSubstitution;
use ra_ap_hir::HasSource;
use ra_ap_hir::HirDisplay;
use ra_ap_hir::Semantics;
use ra_ap_hir::Variant;
use ra_ap_ide_db::RootDatabase;
use ra_ap_ide_db::defs::Definition;
use ra_ap_ide_db::defs::IdentClass;
use ra_ap_ide_db::defs::NameRefClass;
use ra_ap_ide_db::defs::OperatorClass;
use ra_ap_ide_db::famous_defs::FamousDefs;
use ra_ap_span::Edition;
use ra_ap_syntax::AstNode;
use ra_ap_syntax::SyntaxNode;
use ra_ap_syntax::SyntaxToken;
use ra_ap_syntax::ast;

/// `ra_ap_ide`'s limits on what a signature lists (`HoverConfig` as evcxr set it).
const MAX_FIELDS: Option<usize> = Some(5);
const MAX_ENUM_VARIANTS: Option<usize> = Some(5);

/// The definitions a token names, with where it was found (for scopes).
pub(super) struct Found<'db> {
    definitions: Vec<(
        Definition<'db>,
        Option<GenericSubstitution<'db>>,
        Option<u32>,
    )>,
    node: SyntaxNode,
}

/// What `token` refers to or defines; `None` when it names nothing (a keyword, a literal).
pub(super) fn at<'db>(
    sema: &Semantics<'db, RootDatabase>,
    token: &SyntaxToken,
) -> Option<Found<'db>> {
    let node = token.parent()?;
    // A macro call's name: the macro, and the rule of it that matched.
    if let Some(name_ref) = ast::NameRef::cast(node.clone())
        && let Some(segment) = name_ref.syntax().parent().and_then(ast::PathSegment::cast)
        && let Some(call) = segment
            .parent_path()
            .syntax()
            .parent()
            .and_then(ast::MacroCall::cast)
        && let Some(mac) = sema.resolve_macro_call(&call)
    {
        let arm = sema.resolve_macro_call_arm(&call);
        let definitions = vec![(Definition::Macro(mac), None, arm)];
        return Some(Found { definitions, node });
    }
    let mut definitions = Vec::new();
    match IdentClass::classify_node(sema, &node)? {
        // `ra_ap_ide` falls back to the keyword's documentation here.
        IdentClass::Operator(OperatorClass::Await(_)) => return None,
        IdentClass::NameRefClass(NameRefClass::ExternCrateShorthand { decl, .. }) => {
            definitions.push((Definition::ExternCrateDecl(decl), None, None));
        }
        class => {
            for (definition, subst) in class.definitions() {
                if !definitions.iter().any(|(seen, _, _)| *seen == definition) {
                    definitions.push((definition, subst, None));
                }
            }
        }
    }
    Some(Found { definitions, node })
}

impl Found<'_> {
    /// One markdown section per definition.
    pub(super) fn render(
        self,
        sema: &Semantics<'_, RootDatabase>,
        display_target: DisplayTarget,
    ) -> Vec<String> {
        let node = self.node;
        self.definitions
            .into_iter()
            .map(|(def, subst, arm)| render(sema, def, subst, arm, &node, display_target))
            .collect()
    }
}

fn render(
    sema: &Semantics<'_, RootDatabase>,
    def: Definition<'_>,
    subst: Option<GenericSubstitution<'_>>,
    macro_arm: Option<u32>,
    scope_node: &SyntaxNode,
    display_target: DisplayTarget,
) -> String {
    let db = sema.db;
    let scope = sema.scope(scope_node);
    let famous_defs = match def {
        Definition::BuiltinType(_) => scope.as_ref().map(|it| FamousDefs(sema, it.krate())),
        _ => None,
    };
    let private_fields = scope.as_ref().is_some_and(|scope| {
        def.krate(db)
            .is_some_and(|krate| renders_private_fields(db, krate, scope.krate()))
    });
    let mut markdown = String::new();
    if let Some(path) = definition_path(db, def, display_target.edition)
        && !path.is_empty()
    {
        markdown.push_str(&format!("```rust\n{path}\n```\n\n"));
    }
    let mut signature = label(db, def, macro_arm, private_fields, display_target);
    if let Some(value) = value(db, def, display_target) {
        signature.push_str(" = ");
        signature.push_str(&value);
    }
    markdown.push_str(&format!("```rust\n{signature}\n```"));
    let subst_types = subst.map(|subst| {
        subst
            .types(db)
            .into_iter()
            .filter(|(_, ty)| !ty.is_unknown())
            .map(|(name, ty)| {
                let ty = ty.display_truncated(db, None, display_target);
                format!("`{name}` = `{ty}`")
            })
            .collect::<Vec<_>>()
            .join(", ")
    });
    if let Some(subst_types) = subst_types.filter(|it| !it.is_empty()) {
        markdown.push_str(&format!("\n___\n{subst_types}"));
    }
    if let Some(docs) = def.docs(db, famous_defs.as_ref(), display_target) {
        markdown.push_str("\n___\n\n");
        markdown.push_str(docs.as_str());
    }
    markdown
}

/// The signature: a struct's fields and an enum's variants (the first five), a function
/// with its container's bounds, a local's `let name: Type`.
fn label(
    db: &RootDatabase,
    def: Definition<'_>,
    macro_arm: Option<u32>,
    private_fields: bool,
    target: DisplayTarget,
) -> String {
    let limited = |adt: Adt, limit| {
        adt.display_limited(db, limit, target)
            .with_private_fields(private_fields)
            .to_string()
    };
    match def {
        Definition::Trait(it) => it
            .display_limited(db, None, target)
            .with_private_fields(private_fields)
            .to_string(),
        Definition::Adt(adt @ (Adt::Struct(_) | Adt::Union(_))) => limited(adt, MAX_FIELDS),
        Definition::Adt(adt @ Adt::Enum(_)) => limited(adt, MAX_ENUM_VARIANTS),
        Definition::EnumVariant(it) => it
            .display_limited(db, MAX_FIELDS, target)
            .with_private_fields(private_fields)
            .to_string(),
        Definition::SelfType(impl_def) => {
            let self_ty = impl_def.self_ty(db);
            match self_ty.as_adt() {
                Some(adt) => limited(adt, MAX_FIELDS),
                None => self_ty.display(db, target).to_string(),
            }
        }
        Definition::Macro(it) => {
            let label = it.display(db, target).to_string();
            match macro_arm {
                Some(arm) => format!("{label} // matched arm #{arm}"),
                None => label,
            }
        }
        Definition::Function(it) => it
            .display_with_container_bounds(db, true, target)
            .to_string(),
        _ => def.label(db, target),
    }
}

/// A constant's or static's value, a field-less enum variant's discriminant.
fn value(db: &RootDatabase, def: Definition<'_>, target: DisplayTarget) -> Option<String> {
    match def {
        Definition::EnumVariant(it) if !it.parent_enum(db).is_data_carrying(db) => {
            match it.eval(db) {
                Ok(n) if n >= 10 => Some(format!("{n} ({n:#X})")),
                Ok(n) => Some(n.to_string()),
                Err(_) => it.value(db).map(|it| it.to_string()),
            }
        }
        Definition::Const(it) => Some(match it.eval(db) {
            Ok(value) => match value.render_debug(db) {
                Ok(rendered) if !rendered.is_empty() => rendered,
                _ => value.render(db, target),
            },
            Err(_) => it.source(db)?.value.body()?.syntax().to_string(),
        }),
        Definition::Static(it) => Some(match it.eval(db) {
            Ok(value) => match value.render_debug(db) {
                Ok(rendered) if !rendered.is_empty() => rendered,
                _ => value.render(db, target),
            },
            Err(_) => it.source(db)?.value.body()?.syntax().to_string(),
        }),
        _ => None,
    }
}

/// Private fields are shown where the code could see them: within the item's crate, or
/// between two crates of the workspace (not from a library).
fn renders_private_fields(
    db: &RootDatabase,
    def_crate: ra_ap_hir::Crate,
    hover_crate: ra_ap_hir::Crate,
) -> bool {
    let in_workspace = |krate: ra_ap_hir::Crate| {
        let origin = krate.origin(db);
        !origin.is_lib() && !origin.is_lang()
    };
    def_crate == hover_crate || in_workspace(def_crate) && in_workspace(hover_crate)
}

/// `crate::module::Owner`: where the item is, with the type or trait an associated item,
/// a field or a variant belongs to. `None` for locals, builtins and the like.
fn definition_path(db: &RootDatabase, def: Definition<'_>, edition: Edition) -> Option<String> {
    if matches!(
        def,
        Definition::TupleField(_)
            | Definition::Label(_)
            | Definition::Local(_)
            | Definition::BuiltinAttr(_)
            | Definition::BuiltinLifetime(_)
            | Definition::BuiltinType(_)
            | Definition::InlineAsmRegOrRegClass(_)
            | Definition::InlineAsmOperand(_)
    ) {
        return None;
    }
    let module = def.module(db)?;
    let crate_name = module.krate(db).display_name(db).map(|it| it.to_string());
    let segments = module
        .path_segments(db)
        .map(|it| it.display(db, edition).to_string());
    let owner = owner_name(db, def, edition);
    let path: Vec<String> = crate_name
        .into_iter()
        .chain(segments)
        .chain(owner)
        .collect();
    Some(path.join("::"))
}

fn owner_name(db: &RootDatabase, def: Definition<'_>, edition: Edition) -> Option<String> {
    let name = match def {
        Definition::Field(field) => {
            let parent = field.parent_def(db);
            let parent_name = parent.name(db).display(db, edition).to_string();
            return Some(match parent {
                Variant::EnumVariant(variant) => {
                    let enum_name = variant.parent_enum(db).name(db);
                    format!("{}::{parent_name}", enum_name.display(db, edition))
                }
                _ => parent_name,
            });
        }
        Definition::EnumVariant(it) => Some(it.parent_enum(db).name(db)),
        Definition::GenericParam(param) => match param.parent() {
            GenericDef::Adt(it) => Some(it.name(db)),
            GenericDef::Trait(it) => Some(it.name(db)),
            GenericDef::TypeAlias(it) => Some(it.name(db)),
            GenericDef::Impl(it) => it.self_ty(db).as_adt().map(|adt| adt.name(db)),
            GenericDef::Function(it) => Some(it.name(db)),
            GenericDef::Const(it) => it.name(db),
            GenericDef::Static(it) => Some(it.name(db)),
        },
        Definition::DeriveHelper(it) => Some(it.derive().name(db)),
        other => match other.as_assoc_item(db) {
            Some(item) => match item.container(db) {
                AssocItemContainer::Trait(it) => Some(it.name(db)),
                AssocItemContainer::Impl(it) => it.self_ty(db).as_adt().map(|adt| adt.name(db)),
            },
            None => {
                return other
                    .as_extern_assoc_item(db)
                    .map(|_| "<extern>".to_owned());
            }
        },
    };
    name.map(|it| it.display(db, edition).to_string())
}

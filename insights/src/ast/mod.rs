//! The parsed query: commands and expressions, with every field name resolved to a slot
//! (an index into a row's cells) at parse time.

use std::collections::HashMap;

use regex::Regex;

use super::pattern::Pattern;

mod agg;
mod func;

pub(crate) use agg::AggKind;
pub(crate) use func::Func;

/// Index of a field in a row.
pub(crate) type Slot = usize;

/// Slots every query has, in this order.
pub(crate) const TIMESTAMP: Slot = 0;
pub(crate) const MESSAGE: Slot = 1;
pub(crate) const LOG_STREAM: Slot = 2;
pub(crate) const LOG: Slot = 3;
pub(crate) const INGESTION_TIME: Slot = 4;
pub(crate) const SPECIAL: [&str; 5] = [
    "@timestamp",
    "@message",
    "@logStream",
    "@log",
    "@ingestionTime",
];

/// Field names and their slots. Aggregates get hidden names no query can spell.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    pub names: Vec<String>,
    index: HashMap<String, Slot>,
}

impl Default for Names {
    fn default() -> Self {
        let mut names = Names {
            names: Vec::new(),
            index: HashMap::new(),
        };
        for name in SPECIAL {
            names.slot(name);
        }
        names
    }
}

impl Names {
    /// The slot of `name`, created on first use.
    pub(crate) fn slot(&mut self, name: &str) -> Slot {
        if let Some(&slot) = self.index.get(name) {
            return slot;
        }
        let slot = self.names.len();
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), slot);
        slot
    }

    /// A slot for the value of the `n`th aggregate of a `stats`.
    pub(crate) fn hidden(&mut self, n: usize) -> Slot {
        self.slot(&format!("\u{0}agg{n}"))
    }

    pub(crate) fn is_hidden(&self, slot: Slot) -> bool {
        self.names.get(slot).is_some_and(|n| n.starts_with('\u{0}'))
    }

    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The right side of `like`, `not like` and `=~`.
#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    /// A string: substring match, case-sensitive.
    Substr(String),
    Regex(Regex),
}

#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Field(Slot),
    Str(String),
    Num(f64),
    /// A time span literal (`5m`), in milliseconds.
    Period(i64),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Like {
        expr: Box<Expr>,
        matcher: Matcher,
        negated: bool,
    },
    In {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    Call(Func, Vec<Expr>),
}

/// The most levels an expression tree may have. Planning, evaluating and dropping a tree
/// recurse once per level, so the bound (not the query's length) sizes the stack they
/// need: a chain of 8,000 `+` is refused at parse time instead of overflowing it.
pub(crate) const MAX_TREE_DEPTH: usize = 256;

impl Expr {
    /// The expression's direct operands.
    fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Field(_) | Expr::Str(_) | Expr::Num(_) | Expr::Period(_) => Vec::new(),
            Expr::Neg(e) | Expr::Not(e) | Expr::Like { expr: e, .. } => vec![e],
            Expr::And(a, b) | Expr::Or(a, b) | Expr::Bin(_, a, b) => vec![a, b],
            Expr::In { expr, list, .. } => std::iter::once(&**expr).chain(list).collect(),
            Expr::Call(_, args) => args.iter().collect(),
        }
    }

    /// The tree's depth (a leaf is 1), worked out without recursion.
    pub(crate) fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 1)];
        while let Some((expr, depth)) = stack.pop() {
            deepest = deepest.max(depth);
            stack.extend(expr.children().into_iter().map(|c| (c, depth + 1)));
        }
        deepest
    }

    /// Every slot the expression reads.
    pub(crate) fn reads(&self, out: &mut Vec<Slot>) {
        match self {
            Expr::Field(s) => out.push(*s),
            Expr::Str(_) | Expr::Num(_) | Expr::Period(_) => {}
            Expr::Neg(e) | Expr::Not(e) => e.reads(out),
            Expr::And(a, b) | Expr::Or(a, b) | Expr::Bin(_, a, b) => {
                a.reads(out);
                b.reads(out);
            }
            Expr::Like { expr, .. } => expr.reads(out),
            Expr::In { expr, list, .. } => {
                expr.reads(out);
                list.iter().for_each(|e| e.reads(out));
            }
            Expr::Call(_, args) => args.iter().for_each(|e| e.reads(out)),
        }
    }
}

/// `expr [as name]` in `fields` and in `stats … by`.
#[derive(Debug, Clone)]
pub(crate) struct Projection {
    pub expr: Expr,
    /// The output column name: the alias, the field name or the expression as written.
    pub name: String,
    pub slot: Slot,
}

/// One aggregate function call inside a `stats` item.
#[derive(Debug, Clone)]
pub(crate) struct Agg {
    pub kind: AggKind,
    /// `None` for `count(*)`.
    pub arg: Option<Expr>,
    /// Hidden slot holding the aggregate's value when a group is output.
    pub slot: Slot,
}

#[derive(Debug, Clone)]
pub(crate) struct Stats {
    pub aggs: Vec<Agg>,
    /// The items, computed from the aggregates' slots.
    pub items: Vec<Projection>,
    pub by: Vec<Projection>,
}

#[derive(Debug, Clone)]
pub(crate) struct SortKey {
    pub expr: Expr,
    pub desc: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct ParseCmd {
    pub source: Expr,
    pub pattern: Pattern,
    pub outputs: Vec<Slot>,
}

#[derive(Debug, Clone)]
pub(crate) enum Command {
    Fields(Vec<Projection>),
    Display(Vec<(String, Slot)>),
    Filter(Expr),
    Parse(ParseCmd),
    Stats(Stats),
    Sort(Vec<SortKey>),
    Limit(usize),
    Dedup(Vec<Slot>),
    /// Each row's `count` as a share of all rows' into `ratio` (`pattern`'s `@ratio`).
    Share {
        count: Slot,
        ratio: Slot,
    },
}

impl Command {
    /// Slots the command reads (for `stats`: its arguments and groups, not its outputs).
    pub(crate) fn reads(&self) -> Vec<Slot> {
        let mut out = Vec::new();
        match self {
            Command::Fields(ps) => ps.iter().for_each(|p| p.expr.reads(&mut out)),
            Command::Display(cols) => out.extend(cols.iter().map(|(_, s)| *s)),
            Command::Filter(e) => e.reads(&mut out),
            Command::Parse(p) => p.source.reads(&mut out),
            Command::Stats(s) => {
                s.aggs
                    .iter()
                    .filter_map(|a| a.arg.as_ref())
                    .for_each(|e| e.reads(&mut out));
                s.by.iter().for_each(|p| p.expr.reads(&mut out));
            }
            Command::Sort(keys) => keys.iter().for_each(|k| k.expr.reads(&mut out)),
            Command::Limit(_) => {}
            Command::Dedup(slots) => out.extend(slots),
            Command::Share { count, .. } => out.push(*count),
        }
        out
    }

    /// Slots the command assigns.
    pub(crate) fn writes(&self) -> Vec<Slot> {
        match self {
            Command::Fields(ps) => ps.iter().map(|p| p.slot).collect(),
            Command::Parse(p) => p.outputs.clone(),
            Command::Stats(s) => {
                let by = s.by.iter().map(|p| p.slot);
                let aggs = s.aggs.iter().map(|a| a.slot);
                by.chain(aggs)
                    .chain(s.items.iter().map(|p| p.slot))
                    .collect()
            }
            Command::Share { ratio, .. } => vec![*ratio],
            _ => Vec::new(),
        }
    }

    /// Whether the command needs more than one row at a time.
    pub(crate) fn is_global(&self) -> bool {
        matches!(
            self,
            Command::Stats(_)
                | Command::Sort(_)
                | Command::Limit(_)
                | Command::Dedup(_)
                | Command::Share { .. }
        )
    }
}

//! The scalar functions a query can name: which function a name (any case) stands for
//! and how many arguments it takes. What each computes is `functions.rs`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Strlen,
    ToLower,
    ToUpper,
    Concat,
    Substr,
    Replace,
    Trim,
    Ltrim,
    Rtrim,
    StrContains,
    Abs,
    Ceil,
    Floor,
    Round,
    Greatest,
    Least,
    Log,
    Sqrt,
    Pow,
    IsEmpty,
    IsBlank,
    IsPresent,
    Coalesce,
    /// `bin(period)`: `@timestamp` rounded down; the parser adds `@timestamp` as argument.
    Bin,
    DateFloor,
    DateCeil,
    FromMillis,
    ToMillis,
    /// `pattern`'s clustering of a text (not callable by name: see `clusters.rs`).
    PatternOf,
    /// The severity a pattern's words give away (not callable by name).
    SeverityOf,
}

/// Name, function, fewest and most arguments.
const TABLE: &[(&str, Func, usize, usize)] = &[
    ("strlen", Func::Strlen, 1, 1),
    ("tolower", Func::ToLower, 1, 1),
    ("toupper", Func::ToUpper, 1, 1),
    ("concat", Func::Concat, 1, usize::MAX),
    ("substr", Func::Substr, 2, 3),
    ("replace", Func::Replace, 3, 3),
    ("trim", Func::Trim, 1, 1),
    ("ltrim", Func::Ltrim, 1, 1),
    ("rtrim", Func::Rtrim, 1, 1),
    ("strcontains", Func::StrContains, 2, 2),
    ("abs", Func::Abs, 1, 1),
    ("ceil", Func::Ceil, 1, 1),
    ("floor", Func::Floor, 1, 1),
    ("round", Func::Round, 1, 2),
    ("greatest", Func::Greatest, 1, usize::MAX),
    ("least", Func::Least, 1, usize::MAX),
    ("log", Func::Log, 1, 1),
    ("sqrt", Func::Sqrt, 1, 1),
    ("pow", Func::Pow, 2, 2),
    ("isempty", Func::IsEmpty, 1, 1),
    ("isblank", Func::IsBlank, 1, 1),
    ("ispresent", Func::IsPresent, 1, 1),
    ("coalesce", Func::Coalesce, 1, usize::MAX),
    ("bin", Func::Bin, 1, 1),
    ("datefloor", Func::DateFloor, 2, 2),
    ("dateceil", Func::DateCeil, 2, 2),
    ("frommillis", Func::FromMillis, 1, 1),
    ("tomillis", Func::ToMillis, 1, 1),
];

impl Func {
    /// The function called `name` (any case) and its arity bounds.
    pub(crate) fn lookup(name: &str) -> Option<(Func, usize, usize)> {
        let lower = name.to_ascii_lowercase();
        TABLE
            .iter()
            .find(|(n, ..)| *n == lower)
            .map(|&(_, f, min, max)| (f, min, max))
    }
}

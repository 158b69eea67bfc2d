//! Expressions, by precedence from loosest to tightest: `or`, `and`, `not`, comparisons
//! (`= != < <= > >=`, `like`, `not like`, `=~`, `in`, `not in`), `+ -`, `* / %`, `^`,
//! unary `-`, then literals, fields, calls and parentheses.

use super::ast::{Agg, AggKind, BinOp, Expr, Func, MAX_TREE_DEPTH, Matcher, TIMESTAMP};

use super::lexer::{Tok, Token};
use super::parser::{Parser, Result};

/// Words that cannot be field names where an expression is expected.
const RESERVED: &[&str] = &["and", "or", "not", "like", "in", "as", "by", "asc", "desc"];

/// How deeply parentheses and calls may nest.
const MAX_DEPTH: usize = 64;

impl Parser<'_> {
    pub(super) fn expr(&mut self) -> Result<Expr> {
        self.deeper(Self::or_expr)
    }

    /// Runs `parse` one level deeper, refusing to nest without bound.
    fn deeper(&mut self, parse: impl FnOnce(&mut Self) -> Result<Expr>) -> Result<Expr> {
        if self.depth >= MAX_DEPTH {
            return Err(self.expected("a less deeply nested expression"));
        }
        self.depth += 1;
        let expr = parse(self);
        self.depth -= 1;
        expr
    }

    /// Adds one operator to a chain whose tree is `*depth` deep, with `right` as its new
    /// operand; refuses a tree deeper than [`MAX_TREE_DEPTH`].
    fn chain(&mut self, depth: &mut usize, right: &Expr) -> Result<()> {
        *depth = (*depth).max(right.depth()) + 1;
        if *depth > MAX_TREE_DEPTH {
            return Err(self.expected(&format!(
                "a shorter expression (at most {MAX_TREE_DEPTH} levels of operators)"
            )));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Expr> {
        let mut left = self.and_expr()?;
        let mut depth = left.depth();
        while self.eat_keyword("or")? {
            let right = self.and_expr()?;
            self.chain(&mut depth, &right)?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr> {
        let mut left = self.not_expr()?;
        let mut depth = left.depth();
        while self.eat_keyword("and")? {
            let right = self.not_expr()?;
            self.chain(&mut depth, &right)?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not_expr(&mut self) -> Result<Expr> {
        if self.eat_keyword("not")? {
            return Ok(Expr::Not(Box::new(self.deeper(Self::not_expr)?)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr> {
        let left = self.additive()?;
        let op = match self.peek()?.tok {
            Tok::Eq => Some(BinOp::Eq),
            Tok::Ne => Some(BinOp::Ne),
            Tok::Lt => Some(BinOp::Lt),
            Tok::Le => Some(BinOp::Le),
            Tok::Gt => Some(BinOp::Gt),
            Tok::Ge => Some(BinOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.bump()?;
            return Ok(Expr::Bin(op, Box::new(left), Box::new(self.additive()?)));
        }
        if self.eat(&Tok::Match)? {
            return self.like(left, false, "`=~`");
        }
        let negated = self.eat_keyword("not")?;
        match self.peek_keyword()?.as_deref() {
            Some("like") => {
                self.bump()?;
                self.like(left, negated, "`like`")
            }
            Some("in") => {
                self.bump()?;
                let list = self.list()?;
                Ok(Expr::In {
                    expr: Box::new(left),
                    list,
                    negated,
                })
            }
            _ if negated => Err(self.expected("`like` or `in` after `not`")),
            _ => Ok(left),
        }
    }

    fn like(&mut self, left: Expr, negated: bool, after: &str) -> Result<Expr> {
        let matcher = match self.peek()?.tok.clone() {
            Tok::Str(s) => {
                self.bump()?;
                Matcher::Substr(s)
            }
            Tok::Slash => Matcher::Regex(self.regex()?.0),
            _ => return Err(self.expected(&format!("a string or a /regex/ after {after}"))),
        };
        Ok(Expr::Like {
            expr: Box::new(left),
            matcher,
            negated,
        })
    }

    fn list(&mut self) -> Result<Vec<Expr>> {
        if !self.eat(&Tok::LBracket)? {
            return Err(self.expected("`[` after `in`"));
        }
        let mut items = Vec::new();
        if self.eat(&Tok::RBracket)? {
            return Ok(items);
        }
        loop {
            items.push(self.additive()?);
            if self.eat(&Tok::RBracket)? {
                return Ok(items);
            }
            if !self.eat(&Tok::Comma)? {
                return Err(self.expected("`,` or `]`"));
            }
        }
    }

    fn additive(&mut self) -> Result<Expr> {
        let mut left = self.multiplicative()?;
        let mut depth = left.depth();
        loop {
            let op = match self.peek()?.tok {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(left),
            };
            self.bump()?;
            let right = self.multiplicative()?;
            self.chain(&mut depth, &right)?;
            left = Expr::Bin(op, Box::new(left), Box::new(right));
        }
    }

    fn multiplicative(&mut self) -> Result<Expr> {
        let mut left = self.power()?;
        let mut depth = left.depth();
        loop {
            let op = match self.peek()?.tok {
                Tok::Star => BinOp::Mul,
                Tok::Slash => BinOp::Div,
                Tok::Percent => BinOp::Rem,
                _ => return Ok(left),
            };
            self.bump()?;
            let right = self.power()?;
            self.chain(&mut depth, &right)?;
            left = Expr::Bin(op, Box::new(left), Box::new(right));
        }
    }

    fn power(&mut self) -> Result<Expr> {
        let base = self.unary()?;
        if self.eat(&Tok::Caret)? {
            return Ok(Expr::Bin(
                BinOp::Pow,
                Box::new(base),
                Box::new(self.deeper(Self::power)?),
            ));
        }
        Ok(base)
    }

    fn unary(&mut self) -> Result<Expr> {
        if self.eat(&Tok::Minus)? {
            return Ok(match self.deeper(Self::unary)? {
                Expr::Num(n) => Expr::Num(-n),
                e => Expr::Neg(Box::new(e)),
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr> {
        let token = self.peek()?.clone();
        match &token.tok {
            Tok::Num(n) => {
                self.bump()?;
                Ok(Expr::Num(*n))
            }
            Tok::Str(s) => {
                self.bump()?;
                Ok(Expr::Str(s.clone()))
            }
            Tok::Period(ms) => {
                self.bump()?;
                Ok(Expr::Period(*ms))
            }
            Tok::LParen => {
                self.bump()?;
                let inner = self.expr()?;
                if !self.eat(&Tok::RParen)? {
                    return Err(self.expected("`)`"));
                }
                Ok(inner)
            }
            Tok::Quoted(name) => {
                self.bump()?;
                Ok(Expr::Field(self.names.slot(name)))
            }
            Tok::Ident(name) if !RESERVED.contains(&name.to_ascii_lowercase().as_str()) => {
                self.bump()?;
                if self.eat(&Tok::LParen)? {
                    return self.call(&token, name);
                }
                Ok(Expr::Field(self.names.slot(name)))
            }
            _ => Err(self.expected("an expression")),
        }
    }

    /// Arguments up to and including `)`.
    fn args(&mut self) -> Result<Vec<Expr>> {
        let mut args = Vec::new();
        if self.eat(&Tok::RParen)? {
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            if self.eat(&Tok::RParen)? {
                return Ok(args);
            }
            if !self.eat(&Tok::Comma)? {
                return Err(self.expected("`,` or `)`"));
            }
        }
    }

    fn call(&mut self, token: &Token, name: &str) -> Result<Expr> {
        if let Some(kind) = AggKind::lookup(name) {
            return self.aggregate(token, name, kind);
        }
        let Some((func, min, max)) = Func::lookup(name) else {
            return Err(self.error_at(token, format!("unknown function `{name}`")));
        };
        let mut args = self.args()?;
        if args.len() < min || args.len() > max {
            let takes = match (min, max) {
                (a, b) if a == b => format!("{a} argument{}", if a == 1 { "" } else { "s" }),
                (a, usize::MAX) => {
                    format!("at least {a} argument{}", if a == 1 { "" } else { "s" })
                }
                (a, b) => format!("{a} to {b} arguments"),
            };
            let message = format!("`{name}` takes {takes}, got {}", args.len());
            return Err(self.error_at(token, message));
        }
        let period_at = match func {
            Func::Bin => Some(0),
            Func::DateFloor | Func::DateCeil => Some(1),
            _ => None,
        };
        if let Some(i) = period_at {
            match args.get(i) {
                Some(Expr::Period(span)) if *span > 0 => {}
                Some(Expr::Period(_)) => {
                    let message = format!("`{name}` takes a time span longer than 0, such as 5m");
                    return Err(self.error_at(token, message));
                }
                _ => {
                    let message = format!("`{name}` takes a time span such as 5m");
                    return Err(self.error_at(token, message));
                }
            }
        }
        if func == Func::Bin {
            args.insert(0, Expr::Field(TIMESTAMP));
        }
        Ok(Expr::Call(func, args))
    }

    fn aggregate(&mut self, token: &Token, name: &str, mut kind: AggKind) -> Result<Expr> {
        if self.aggs.is_none() {
            let message = format!("`{name}` is an aggregate function; use it in `stats`");
            return Err(self.error_at(token, message));
        }
        if self.in_aggregate {
            return Err(self.error_at(token, "aggregate functions cannot be nested"));
        }
        let star = kind == AggKind::Count && matches!(self.peek()?.tok, Tok::Star | Tok::RParen);
        let arg = if star {
            self.eat(&Tok::Star)?;
            if !self.eat(&Tok::RParen)? {
                return Err(self.expected("`)`"));
            }
            None
        } else {
            self.in_aggregate = true;
            let args = self.args();
            self.in_aggregate = false;
            let mut args = args?;
            let want = if matches!(kind, AggKind::Pct(_)) {
                2
            } else {
                1
            };
            if args.len() != want {
                let example = if want == 2 {
                    "a field and a percentile"
                } else {
                    "1 argument"
                };
                let message = format!("`{name}` takes {example}, got {} arguments", args.len());
                return Err(self.error_at(token, message));
            }
            if let AggKind::Pct(p) = &mut kind {
                match args.pop() {
                    Some(Expr::Num(n)) if (0.0..=100.0).contains(&n) => *p = n,
                    _ => {
                        let message = format!(
                            "`{name}` takes a percentile from 0 to 100 as its second argument"
                        );
                        return Err(self.error_at(token, message));
                    }
                }
            }
            args.pop()
        };
        let slot = self.names.hidden(self.agg_count);
        self.agg_count += 1;
        if let Some(aggs) = &mut self.aggs {
            aggs.push(Agg { kind, arg, slot });
        }
        Ok(Expr::Field(slot))
    }
}

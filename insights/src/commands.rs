//! The syntax of each command: `fields`, `display`, `filter`, `parse`, `stats`, `sort`,
//! `limit`, `dedup`.

use super::ast::{Command, Expr, MESSAGE, ParseCmd, Projection, SortKey, Stats};
use super::lexer::Tok;
use super::parser::{Parser, Result};
use super::pattern::Pattern;

/// Commands only the service evaluates (machine-learning and service-side features).
const CLOUDWATCH_ONLY: [&str; 4] = ["diff", "anomaly", "unmask", "filterindex"];

impl Parser<'_> {
    pub(super) fn command(&mut self) -> Result<Command> {
        let token = self.peek()?.clone();
        let Some(keyword) = token.keyword() else {
            return Err(self.expected("a command"));
        };
        self.bump()?;
        match keyword.as_str() {
            "fields" => Ok(Command::Fields(self.projections()?)),
            "display" => Ok(Command::Display(self.names_list("a field name")?)),
            "filter" => Ok(Command::Filter(self.expr()?)),
            "parse" => self.parse_command().map(Command::Parse),
            "stats" => self.stats().map(Command::Stats),
            "sort" => self.sort().map(Command::Sort),
            "limit" => match self.peek()?.tok {
                Tok::Num(n) if n >= 0.0 && n.fract() == 0.0 => {
                    self.bump()?;
                    Ok(Command::Limit(n as usize))
                }
                _ => Err(self.expected("a number after `limit`")),
            },
            "dedup" => {
                let names = self.names_list("a field name after `dedup`")?;
                Ok(Command::Dedup(names.into_iter().map(|(_, s)| s).collect()))
            }
            _ => {
                let word = self.src.get(token.start..token.end).unwrap_or("");
                let message = if CLOUDWATCH_ONLY.contains(&keyword.as_str()) {
                    format!(
                        "`{word}` is computed by CloudWatch Logs itself: run this query with the \
                         cloudwatch source (here: fields, display, filter, parse, stats, sort, \
                         limit, dedup)"
                    )
                } else {
                    format!("unknown command `{word}`")
                };
                Err(self.error_at(&token, message))
            }
        }
    }

    /// `expr [as name]`, named by its alias, its field or its text.
    fn projection(&mut self) -> Result<Projection> {
        let start = self.peek()?.start;
        let expr = self.expr()?;
        let text = self
            .src
            .get(start..self.last_end)
            .unwrap_or("")
            .trim()
            .to_owned();
        if self.eat_keyword("as")? {
            let Some(alias) = self.name()? else {
                return Err(self.expected("a name after `as`"));
            };
            let slot = self.names.slot(&alias);
            return Ok(Projection {
                expr,
                name: alias,
                slot,
            });
        }
        match expr {
            Expr::Field(slot) if !self.names.is_hidden(slot) => {
                let name = self.names.names[slot].clone();
                Ok(Projection { expr, name, slot })
            }
            _ => {
                let slot = self.names.slot(&text);
                Ok(Projection {
                    expr,
                    name: text,
                    slot,
                })
            }
        }
    }

    fn projections(&mut self) -> Result<Vec<Projection>> {
        let mut out = vec![self.projection()?];
        while self.eat(&Tok::Comma)? {
            out.push(self.projection()?);
        }
        Ok(out)
    }

    fn parse_command(&mut self) -> Result<ParseCmd> {
        let source = match &self.peek()?.tok {
            Tok::Str(_) | Tok::Slash => Expr::Field(MESSAGE),
            Tok::Ident(n) | Tok::Quoted(n) => {
                let n = n.clone();
                self.bump()?;
                Expr::Field(self.names.slot(&n))
            }
            _ => return Err(self.expected("a field or a pattern after `parse`")),
        };
        match self.peek()?.tok.clone() {
            Tok::Str(glob) => {
                self.bump()?;
                let pattern = Pattern::glob(&glob);
                let stars = pattern.captures();
                let as_token = self.peek()?.clone();
                if !self.eat_keyword("as")? {
                    return Err(
                        self.expected(&format!("`as` and {stars} field names after the pattern"))
                    );
                }
                let names = self.names_list("a field name after `as`")?;
                if names.len() != stars {
                    let message = match names.len() {
                        1 => format!("the pattern has {stars} `*` but 1 name follows `as`"),
                        n => format!("the pattern has {stars} `*` but {n} names follow `as`"),
                    };
                    return Err(self.error_at(&as_token, message));
                }
                let outputs = names.into_iter().map(|(_, s)| s).collect();
                Ok(ParseCmd {
                    source,
                    pattern,
                    outputs,
                })
            }
            Tok::Slash => {
                let (re, token) = self.regex()?;
                let groups: Vec<String> = re.capture_names().flatten().map(str::to_owned).collect();
                if groups.is_empty() {
                    return Err(
                        self.error_at(&token, "the regex has no named groups such as (?<name>…)")
                    );
                }
                if self.peek_keyword()?.as_deref() == Some("as") {
                    return Err(self.expected("`|` (a regex names its fields with (?<name>…))"));
                }
                let outputs = groups.iter().map(|g| self.names.slot(g)).collect();
                Ok(ParseCmd {
                    source,
                    pattern: Pattern::Regex(re),
                    outputs,
                })
            }
            _ => Err(self.expected("a \"glob * pattern\" or a /regex/")),
        }
    }

    fn stats(&mut self) -> Result<Stats> {
        self.aggs = Some(Vec::new());
        let mut items = Vec::new();
        loop {
            let start = self.peek()?.clone();
            let before = self.agg_count;
            let item = self.projection()?;
            if self.agg_count == before {
                self.aggs = None;
                return Err(
                    self.error_at(&start, "expected an aggregate function such as count(*)")
                );
            }
            items.push(item);
            if !self.eat(&Tok::Comma)? {
                break;
            }
        }
        let aggs = self.aggs.take().unwrap_or_default();
        let mut by = Vec::new();
        if self.eat_keyword("by")? {
            if matches!(self.peek()?.tok, Tok::Eof | Tok::Pipe | Tok::Comma) {
                let token = self.peek()?.clone();
                return Err(self.error_at(&token, "expected a field after `by`"));
            }
            by = self.projections()?;
        }
        Ok(Stats { aggs, items, by })
    }

    fn sort(&mut self) -> Result<Vec<SortKey>> {
        let mut keys = Vec::new();
        loop {
            let expr = self.expr()?;
            // Descending when neither `asc` nor `desc` is given: CloudWatch's behaviour (its
            // docs leave it unstated; the moto emulator's maintainers settled on `desc`).
            let desc = !self.eat_keyword("asc")?;
            if desc {
                self.eat_keyword("desc")?;
            }
            keys.push(SortKey { expr, desc });
            if !self.eat(&Tok::Comma)? {
                return Ok(keys);
            }
        }
    }
}

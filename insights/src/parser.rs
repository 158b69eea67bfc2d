//! The parser: one token of lookahead over the lexer, error reporting, and the sequence of
//! commands separated by `|` (each command's syntax is in `commands.rs`, expressions in
//! `expr.rs`). Command names and keywords are case-insensitive; `#` starts a comment.

use std::sync::Arc;

use regex::Regex;

use super::ast::{Agg, Command, Names};
use super::lexer::{Lexer, Tok, Token, error};
use super::plan::Plan;
use super::{ParseError, Query};

/// Parses a Logs Insights query.
pub fn parse(query: &str) -> std::result::Result<Query, ParseError> {
    let mut parser = Parser::new(query);
    let commands = parser.commands()?;
    let plan = Plan::build(commands, parser.names);
    Ok(Query {
        plan: Arc::new(plan),
    })
}

pub(crate) type Result<T> = std::result::Result<T, ParseError>;

pub(crate) struct Parser<'q> {
    pub(super) src: &'q str,
    lexer: Lexer<'q>,
    peeked: Option<Token>,
    pub(super) names: Names,
    /// Byte offset just past the last token taken.
    pub(super) last_end: usize,
    /// The aggregates of the `stats` item being parsed (`None` outside `stats` items).
    pub(super) aggs: Option<Vec<Agg>>,
    pub(super) in_aggregate: bool,
    pub(super) agg_count: usize,
    /// Nesting of expressions being parsed (bounded, to keep the stack bounded).
    pub(super) depth: usize,
}

impl<'q> Parser<'q> {
    fn new(src: &'q str) -> Parser<'q> {
        Parser {
            src,
            lexer: Lexer::new(src),
            peeked: None,
            names: Names::default(),
            last_end: 0,
            aggs: None,
            in_aggregate: false,
            agg_count: 0,
            depth: 0,
        }
    }

    pub(super) fn peek(&mut self) -> Result<&Token> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next_token()?);
        }
        match &self.peeked {
            Some(token) => Ok(token),
            None => Err(error(self.src, self.src.len(), "internal: no token")),
        }
    }

    pub(super) fn bump(&mut self) -> Result<Token> {
        self.peek()?;
        let token = self
            .peeked
            .take()
            .ok_or_else(|| error(self.src, 0, "internal"))?;
        self.last_end = token.end;
        Ok(token)
    }

    /// The lowercased keyword at the next token, if it is a bare name.
    pub(super) fn peek_keyword(&mut self) -> Result<Option<String>> {
        Ok(self.peek()?.keyword())
    }

    pub(super) fn eat_keyword(&mut self, keyword: &str) -> Result<bool> {
        let hit = self.peek_keyword()?.as_deref() == Some(keyword);
        if hit {
            self.bump()?;
        }
        Ok(hit)
    }

    pub(super) fn eat(&mut self, tok: &Tok) -> Result<bool> {
        let hit = &self.peek()?.tok == tok;
        if hit {
            self.bump()?;
        }
        Ok(hit)
    }

    /// An error at the next token: "expected X, found Y".
    pub(super) fn expected(&mut self, what: &str) -> ParseError {
        match self.peek() {
            Ok(token) => {
                let token = token.clone();
                let message = format!("expected {what}, found {}", token.describe(self.src));
                self.error_at(&token, message)
            }
            Err(e) => e,
        }
    }

    pub(super) fn error_at(&self, token: &Token, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            column: token.col,
        }
    }

    /// A regex literal at the next token (which the lexer read as `/`).
    pub(super) fn regex(&mut self) -> Result<(Regex, Token)> {
        let slash = self
            .peeked
            .take()
            .ok_or_else(|| error(self.src, 0, "internal"))?;
        let token = self.lexer.regex_at(slash.start)?;
        self.last_end = token.end;
        let Tok::Regex(source) = &token.tok else {
            return Err(self.error_at(&token, "expected a regex"));
        };
        match Regex::new(source) {
            Ok(re) => Ok((re, token)),
            Err(e) => {
                let detail = e.to_string();
                let detail = detail.lines().last().unwrap_or("").trim().to_owned();
                Err(self.error_at(&token, format!("invalid regex: {detail}")))
            }
        }
    }

    /// A field name (bare or backtick-quoted) at the next token, if there is one.
    pub(super) fn name(&mut self) -> Result<Option<String>> {
        match &self.peek()?.tok {
            Tok::Ident(n) | Tok::Quoted(n) => {
                let n = n.clone();
                self.bump()?;
                Ok(Some(n))
            }
            _ => Ok(None),
        }
    }

    pub(super) fn names_list(&mut self, what: &str) -> Result<Vec<(String, usize)>> {
        let mut out = Vec::new();
        loop {
            let Some(name) = self.name()? else {
                return Err(self.expected(what));
            };
            out.push((name.clone(), self.names.slot(&name)));
            if !self.eat(&Tok::Comma)? {
                return Ok(out);
            }
        }
    }

    fn commands(&mut self) -> Result<Vec<Command>> {
        if self.peek()?.tok == Tok::Eof {
            return Err(self.expected("a command"));
        }
        let mut commands: Vec<Command> = Vec::new();
        loop {
            let start = self.peek()?.clone();
            let parsed = if self.eat_keyword("pattern")? {
                self.pattern_command()?
            } else {
                vec![self.command()?]
            };
            let after_dedup = matches!(commands.last(), Some(Command::Dedup(_)));
            if after_dedup && !matches!(parsed.first(), Some(Command::Limit(_))) {
                return Err(self.error_at(&start, "only `limit` can follow `dedup`"));
            }
            commands.extend(parsed);
            if self.eat(&Tok::Pipe)? {
                continue;
            }
            if self.peek()?.tok == Tok::Eof {
                return Ok(commands);
            }
            return Err(self.expected("`|` or the end of the query"));
        }
    }
}

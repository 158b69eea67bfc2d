//! Tokens of the query language, produced on demand so that the parser can ask for a
//! `/regex/` where an operand is expected and a division `/` elsewhere.

use super::ParseError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A bare name or keyword: `fields`, `@timestamp`, `http.status`, `and`.
    Ident(String),
    /// A backtick-quoted name: `` `@field-with-dash` ``.
    Quoted(String),
    Str(String),
    Regex(String),
    Num(f64),
    /// A time span such as `5m`, in milliseconds.
    Period(i64),
    Pipe,
    Comma,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `=~`
    Match,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    /// 1-based character column.
    pub col: usize,
    /// Byte range in the query.
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self, src: &str) -> String {
        match self.tok {
            Tok::Eof => "the end of the query".to_owned(),
            _ => format!("`{}`", src.get(self.start..self.end).unwrap_or("?")),
        }
    }

    /// The keyword this token spells, lowercased (identifiers only).
    pub(crate) fn keyword(&self) -> Option<String> {
        match &self.tok {
            Tok::Ident(s) => Some(s.to_ascii_lowercase()),
            _ => None,
        }
    }
}

pub(crate) struct Lexer<'q> {
    src: &'q str,
    pos: usize,
}

pub(crate) fn error(src: &str, byte: usize, message: impl Into<String>) -> ParseError {
    let column = src.get(..byte).map_or(byte, |s| s.chars().count()) + 1;
    ParseError {
        message: message.into(),
        column,
    }
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '@' || c == '$'
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '@' | '$' | '.')
}

impl<'q> Lexer<'q> {
    pub(crate) fn new(src: &'q str) -> Lexer<'q> {
        Lexer { src, pos: 0 }
    }

    fn rest(&self) -> &'q str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn skip_space_and_comments(&mut self) {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start();
            self.pos += rest.len() - trimmed.len();
            if trimmed.starts_with('#') {
                self.pos += trimmed.find('\n').unwrap_or(trimmed.len());
            } else {
                return;
            }
        }
    }

    fn token(&self, tok: Tok, start: usize) -> Token {
        let col = self.src.get(..start).map_or(start, |s| s.chars().count()) + 1;
        Token {
            tok,
            col,
            start,
            end: self.pos,
        }
    }

    /// The next token, with `/` as division.
    pub(crate) fn next_token(&mut self) -> Result<Token, ParseError> {
        self.skip_space_and_comments();
        let start = self.pos;
        let rest = self.rest();
        let Some(c) = rest.chars().next() else {
            return Ok(self.token(Tok::Eof, start));
        };
        let two = rest.get(..2).unwrap_or("");
        let (tok, len) = match two {
            "!=" => (Tok::Ne, 2),
            "<=" => (Tok::Le, 2),
            ">=" => (Tok::Ge, 2),
            "=~" => (Tok::Match, 2),
            "==" => (Tok::Eq, 2),
            _ => match c {
                '|' => (Tok::Pipe, 1),
                ',' => (Tok::Comma, 1),
                '(' => (Tok::LParen, 1),
                ')' => (Tok::RParen, 1),
                '[' => (Tok::LBracket, 1),
                ']' => (Tok::RBracket, 1),
                '=' => (Tok::Eq, 1),
                '<' => (Tok::Lt, 1),
                '>' => (Tok::Gt, 1),
                '+' => (Tok::Plus, 1),
                '-' => (Tok::Minus, 1),
                '*' => (Tok::Star, 1),
                '/' => (Tok::Slash, 1),
                '%' => (Tok::Percent, 1),
                '^' => (Tok::Caret, 1),
                '"' | '\'' => return self.string(c),
                '`' => return self.quoted(),
                c if c.is_ascii_digit()
                    || (c == '.' && rest[1..].starts_with(|d: char| d.is_ascii_digit())) =>
                {
                    return self.number();
                }
                c if is_name_start(c) => {
                    let len = rest.find(|c| !is_name_char(c)).unwrap_or(rest.len());
                    self.pos += len;
                    return Ok(self.token(Tok::Ident(rest[..len].to_owned()), start));
                }
                other => {
                    return Err(error(
                        self.src,
                        start,
                        format!("unexpected character `{other}`"),
                    ));
                }
            },
        };
        self.pos += len;
        Ok(self.token(tok, start))
    }

    fn string(&mut self, quote: char) -> Result<Token, ParseError> {
        let start = self.pos;
        let mut out = String::new();
        let mut chars = self.rest().char_indices().skip(1);
        while let Some((i, c)) = chars.next() {
            if c == quote {
                self.pos = start + i + 1;
                return Ok(self.token(Tok::Str(out), start));
            }
            if c == '\\' {
                match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, 'r')) => out.push('\r'),
                    Some((_, e)) if e == quote || e == '\\' => out.push(e),
                    Some((_, e)) => {
                        out.push('\\');
                        out.push(e);
                    }
                    None => break,
                }
            } else {
                out.push(c);
            }
        }
        Err(error(self.src, start, "unterminated string"))
    }

    fn quoted(&mut self) -> Result<Token, ParseError> {
        let start = self.pos;
        let body = &self.rest()[1..];
        match body.find('`') {
            Some(end) => {
                self.pos = start + 1 + end + 1;
                Ok(self.token(Tok::Quoted(body[..end].to_owned()), start))
            }
            None => Err(error(self.src, start, "unterminated `` ` ``-quoted name")),
        }
    }

    fn number(&mut self) -> Result<Token, ParseError> {
        let start = self.pos;
        let rest = self.rest();
        let bytes = rest.as_bytes();
        let mut len = 0;
        let digits = |mut i: usize| {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        len = digits(len);
        if bytes.get(len) == Some(&b'.') && bytes.get(len + 1).is_some_and(u8::is_ascii_digit) {
            len = digits(len + 1);
        }
        if matches!(bytes.get(len), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(bytes.get(len + 1), Some(b'+' | b'-')));
            if bytes.get(len + 1 + sign).is_some_and(u8::is_ascii_digit) {
                len = digits(len + 1 + sign);
            }
        }
        let value: f64 = rest[..len]
            .parse()
            .map_err(|_| error(self.src, start, "bad number"))?;
        let unit_len = rest[len..]
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len() - len);
        self.pos += len + unit_len;
        if unit_len == 0 {
            return Ok(self.token(Tok::Num(value), start));
        }
        let unit = &rest[len..len + unit_len];
        let ms = match unit.to_ascii_lowercase().as_str() {
            "ms" => 1.0,
            "s" | "sec" => 1_000.0,
            "m" | "min" => 60_000.0,
            "h" | "hr" => 3_600_000.0,
            "d" => 86_400_000.0,
            "w" => 604_800_000.0,
            _ => {
                let msg = format!("unknown time unit `{unit}` (use ms, s, m, h, d or w)");
                return Err(error(self.src, start + len, msg));
            }
        };
        Ok(self.token(Tok::Period((value * ms).round() as i64), start))
    }

    /// Re-reads from `start` (a `/`) as a regex literal `/…/`; `\/` stands for `/`.
    pub(crate) fn regex_at(&mut self, start: usize) -> Result<Token, ParseError> {
        self.pos = start;
        let mut out = String::new();
        let mut chars = self.rest().char_indices().skip(1);
        while let Some((i, c)) = chars.next() {
            match c {
                '/' => {
                    self.pos = start + i + 1;
                    return Ok(self.token(Tok::Regex(out), start));
                }
                '\\' => match chars.next() {
                    Some((_, '/')) => out.push('/'),
                    Some((_, e)) => {
                        out.push('\\');
                        out.push(e);
                    }
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err(error(self.src, start, "unterminated regex"))
    }
}

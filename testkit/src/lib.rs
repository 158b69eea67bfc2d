//! Test helpers shared by the workspace's crates (a dev-dependency only; nothing here is
//! linked into the product).
//!
//! [`Fuzz`] generates *structured* inputs for parsers: sequences of a parser's own tokens
//! (keywords, operators, quotes, brackets, numbers, names, odd characters), mixed with
//! random bytes, at lengths scaled from tiny up to the product's stated limits. Seeded, so
//! a failure names the seed and the case that reproduces it.

pub mod function_length;
pub mod module_graph;

/// Every workspace crate's directory (`kernel`, `engine`, …), from the workspace's own
/// manifest; `vendor/` is not a member. The workspace is found from the running test's
/// `CARGO_MANIFEST_DIR` (cargo sets it for every test it runs; each member sits one level
/// down), not from this crate's compile-time one: a testkit built in another checkout that
/// shares the target dir would otherwise read that checkout's sources.
pub fn workspace_crates() -> Vec<std::path::PathBuf> {
    let member = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || env!("CARGO_MANIFEST_DIR").into(),
        std::path::PathBuf::from,
    );
    let root = member.join("..");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("workspace manifest");
    let members = manifest
        .split("members")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("a members list");
    let dirs: Vec<std::path::PathBuf> = members
        .split('"')
        .skip(1)
        .step_by(2)
        .map(|member| root.join(member))
        .collect();
    assert!(
        dirs.len() >= 5 && dirs.iter().all(|d| d.join("src").is_dir()),
        "{dirs:?}"
    );
    dirs
}

/// A seeded xorshift generator of structured inputs.
#[derive(Debug, Clone)]
pub struct Fuzz {
    state: u64,
}

/// Characters that break naive parsers: quotes, escapes, brackets, control and bidi
/// characters, multi-byte and combining characters.
pub const ODD: &[&str] = &[
    "\"", "'", "`", "\\", "/", "(", ")", "[", "]", "{", "}", "|", "\n", "\r", "\t", "\0",
    "\u{202e}", "\u{200b}", "é", "日本", "🙂", "e\u{301}", "%", "$", "#", ";", ",", "=", "..",
];

impl Fuzz {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Fuzz {
        Fuzz {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        x
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// A number as text: small, large, negative, fractional, exponent, or not quite one.
    pub fn number(&mut self) -> String {
        match self.below(7) {
            0 => self.below(10).to_string(),
            1 => self.next_u64().to_string(),
            2 => format!("-{}", self.below(1000)),
            3 => format!("{}.{}", self.below(1000), self.below(1000)),
            4 => format!("1e{}", self.below(400)),
            5 => format!(
                "{}{}",
                self.below(100),
                self.pick(&["s", "m", "h", "d", "ms", "x"])
            ),
            _ => self
                .pick(&["NaN", "inf", "-0", "0x1f", "1_000", "."])
                .to_owned(),
        }
    }

    /// A name: plain, dotted, with a `@`, or odd.
    pub fn name(&mut self) -> String {
        let base = [
            "a",
            "level",
            "@message",
            "@timestamp",
            "http.status",
            "x_1",
            "日付",
        ];
        let mut name = self.pick(&base).to_owned();
        if self.below(4) == 0 {
            name.push_str(self.pick(ODD));
        }
        name
    }

    /// An input of about `len` bytes made of `tokens` (and numbers, names and odd
    /// characters), separated mostly by spaces.
    pub fn tokens(&mut self, tokens: &[&str], len: usize) -> String {
        let mut out = String::with_capacity(len + 16);
        while out.len() < len {
            match self.below(10) {
                0..=5 => out.push_str(self.pick(tokens)),
                6 => out.push_str(&self.number()),
                7 => out.push_str(&self.name()),
                8 => out.push_str(self.pick(ODD)),
                _ => {
                    let c = char::from_u32(self.below(0x3000) as u32).unwrap_or('?');
                    out.push(c);
                }
            }
            if self.below(5) != 0 {
                out.push(' ');
            }
        }
        out
    }

    /// `piece` repeated until about `len` bytes, with `join` between the pieces: a long
    /// flat input (`1 + 1 + …`).
    pub fn chain(piece: &str, join: &str, len: usize) -> String {
        let mut out = String::with_capacity(len + piece.len());
        out.push_str(piece);
        while out.len() < len {
            out.push_str(join);
            out.push_str(piece);
        }
        out
    }

    /// `open` nested `depth` times around `inner`, then closed: a deep input (`((((x))))`).
    pub fn nest(open: &str, inner: &str, close: &str, depth: usize) -> String {
        format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
    }
}

/// Lengths from 0 up to `max`, doubling: the scales every parser is fuzzed at.
pub fn lengths(max: usize) -> Vec<usize> {
    let mut out = vec![0, 1, 2, 7];
    let mut len = 16;
    while len < max {
        out.push(len);
        len *= 4;
    }
    out.push(max);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_seeded_and_scaled() {
        let a = Fuzz::new(7).tokens(&["fields", "|"], 1000);
        let b = Fuzz::new(7).tokens(&["fields", "|"], 1000);
        assert_eq!(a, b);
        assert!(a.len() >= 1000 && a.len() < 1100);
        assert_eq!(Fuzz::chain("1", " + ", 9), "1 + 1 + 1");
        assert_eq!(Fuzz::nest("(", "x", ")", 2), "((x))");
        assert_eq!(*lengths(1 << 20).last().unwrap(), 1 << 20);
    }
}

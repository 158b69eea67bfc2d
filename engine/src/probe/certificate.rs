//! The one fact a probe reads from a server's certificate: when it expires. A minimal DER
//! walk to `tbsCertificate.validity.notAfter` (RFC 5280 §4.1), so no X.509 crate is
//! needed; anything it does not understand is `None`, never a panic.

use chrono::{DateTime, NaiveDate, Utc};

/// One DER element: its tag, and its contents and what follows it.
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (bytes, tail) = rest.split_at(n);
        rest = tail;
        bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    if rest.len() < len {
        return None;
    }
    let (contents, tail) = rest.split_at(len);
    Some((tag, contents, tail))
}

const SEQUENCE: u8 = 0x30;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// The certificate's `notAfter`, from its DER encoding.
pub fn not_after(der: &[u8]) -> Option<DateTime<Utc>> {
    let (SEQUENCE, certificate, _) = element(der)? else {
        return None;
    };
    let (SEQUENCE, tbs, _) = element(certificate)? else {
        return None;
    };
    let mut rest = tbs;
    // version [0] EXPLICIT, optional
    if rest.first() == Some(&0xa0) {
        rest = element(rest)?.2;
    }
    // serialNumber, signature, issuer
    for _ in 0..3 {
        rest = element(rest)?.2;
    }
    let (SEQUENCE, validity, _) = element(rest)? else {
        return None;
    };
    let (_, _, after_not_before) = element(validity)?;
    let (tag, time, _) = element(after_not_before)?;
    parse_time(tag, std::str::from_utf8(time).ok()?)
}

/// `YYMMDDHHMMSSZ` (UTCTime: years 50–99 are 19xx) or `YYYYMMDDHHMMSSZ` (GeneralizedTime).
fn parse_time(tag: u8, text: &str) -> Option<DateTime<Utc>> {
    let digits = text.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, rest) = match (tag, digits.len()) {
        (UTC_TIME, 12) => {
            let yy: i32 = digits[..2].parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &digits[2..])
        }
        (GENERALIZED_TIME, 14) => (digits[..4].parse().ok()?, &digits[4..]),
        _ => return None,
    };
    let n = |i: usize| rest[i..i + 2].parse::<u32>().ok();
    NaiveDate::from_ymd_opt(year, n(0)?, n(2)?)?
        .and_hms_opt(n(4)?, n(6)?, n(8)?)
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        if contents.len() < 0x80 {
            out.push(contents.len() as u8);
        } else {
            out.extend([0x82, (contents.len() >> 8) as u8, contents.len() as u8]);
        }
        out.extend_from_slice(contents);
        out
    }

    /// A certificate's skeleton with the fields before the validity and the validity.
    fn certificate(not_after: (u8, &str), version: bool) -> Vec<u8> {
        let mut tbs = Vec::new();
        if version {
            tbs.extend(tlv(0xa0, &tlv(0x02, &[2])));
        }
        tbs.extend(tlv(0x02, &[0x01, 0x23]));
        tbs.extend(tlv(SEQUENCE, &tlv(0x06, &[0x2a, 0x86, 0x48])));
        tbs.extend(tlv(SEQUENCE, &[0u8; 200])); // a long issuer: the 0x82 length form
        let mut validity = tlv(UTC_TIME, b"261101000000Z");
        validity.extend(tlv(not_after.0, not_after.1.as_bytes()));
        tbs.extend(tlv(SEQUENCE, &validity));
        tbs.extend(tlv(SEQUENCE, b"subject"));
        let mut cert = tlv(SEQUENCE, &tbs);
        cert.extend(tlv(SEQUENCE, b"signature algorithm"));
        tlv(SEQUENCE, &cert)
    }

    #[test]
    fn not_after_is_read_in_both_time_forms() {
        let utc = certificate((UTC_TIME, "261206123000Z"), true);
        assert_eq!(
            not_after(&utc).map(|t| t.to_rfc3339()),
            Some("2026-12-06T12:30:00+00:00".into())
        );
        let generalized = certificate((GENERALIZED_TIME, "20510101000000Z"), false);
        assert_eq!(
            not_after(&generalized).map(|t| t.to_rfc3339()),
            Some("2051-01-01T00:00:00+00:00".into())
        );
        let last_century = certificate((UTC_TIME, "991231235959Z"), true);
        assert_eq!(
            not_after(&last_century).map(|t| t.format("%Y").to_string()),
            Some("1999".into())
        );
    }

    #[test]
    fn what_is_not_a_certificate_is_none() {
        assert_eq!(not_after(b""), None);
        assert_eq!(
            not_after(&certificate((UTC_TIME, "2612061230Z"), true)),
            None
        );
        assert_eq!(
            not_after(&certificate((UTC_TIME, "261306123000Z"), true)),
            None
        );
        assert_eq!(not_after(&certificate((0x04, "261206123000Z"), true)), None);
    }

    /// Fuzz: every truncation and every single-byte change of a real-shaped certificate,
    /// and random inputs up to 64 KiB (a large certificate chain's size), never panic.
    #[test]
    fn fuzz_truncations_mutations_and_noise_never_panic() {
        let good = certificate((UTC_TIME, "261206123000Z"), true);
        for end in 0..good.len() {
            let _ = not_after(&good[..end]);
        }
        for i in 0..good.len() {
            for value in [0x00, 0x7f, 0x80, 0x84, 0xff] {
                let mut bad = good.clone();
                bad[i] = value;
                let _ = not_after(&bad);
            }
        }
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for size in [1usize, 2, 3, 16, 255, 4096, 65_536] {
            let noise: Vec<u8> = (0..size)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed >> 24) as u8
                })
                .collect();
            let _ = not_after(&noise);
            let mut framed = vec![SEQUENCE, 0x84, 0xff, 0xff, 0xff, 0xff];
            framed.extend(&noise);
            let _ = not_after(&framed);
        }
    }
}

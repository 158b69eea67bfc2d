//! Allocation-free formatting into a byte buffer: RFC 3339 UTC timestamps, integers,
//! fixed-precision decimals and JSON strings. Shared by the dataset and the bench writer,
//! and independent of the machine (no locale, no time zone, no float printing quirks).

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn push_2(buf: &mut Vec<u8>, n: u32) {
    buf.push(b'0' + (n / 10 % 10) as u8);
    buf.push(b'0' + (n % 10) as u8);
}

fn push_date_time(buf: &mut Vec<u8>, secs: i64) {
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400) as u32;
    let year = year.clamp(0, 9999) as u32;
    push_2(buf, year / 100);
    push_2(buf, year % 100);
    buf.push(b'-');
    push_2(buf, month);
    buf.push(b'-');
    push_2(buf, day);
    buf.push(b'T');
    push_2(buf, sod / 3600);
    buf.push(b':');
    push_2(buf, sod / 60 % 60);
    buf.push(b':');
    push_2(buf, sod % 60);
}

/// `2026-11-12T14:05:00Z` for epoch seconds.
pub fn push_ts_secs(buf: &mut Vec<u8>, secs: i64) {
    push_date_time(buf, secs);
    buf.push(b'Z');
}

/// `2026-11-12T14:05:01.123Z` for epoch milliseconds.
pub fn push_ts_millis(buf: &mut Vec<u8>, millis: i64) {
    push_date_time(buf, millis.div_euclid(1000));
    let ms = millis.rem_euclid(1000) as u32;
    buf.push(b'.');
    buf.push(b'0' + (ms / 100) as u8);
    push_2(buf, ms % 100);
    buf.push(b'Z');
}

/// A decimal unsigned integer.
pub fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// `n` as 16 lower-case hex digits.
pub fn push_hex16(buf: &mut Vec<u8>, n: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..16).rev() {
        buf.push(HEX[((n >> (shift * 4)) & 0xf) as usize]);
    }
}

/// `value` rounded to `decimals` places (at most 9), trailing zeros dropped:
/// `0.1200` → `0.12`, `3.0` → `3`. Non-finite values print as `0`.
pub fn push_decimal(buf: &mut Vec<u8>, value: f64, decimals: u32) {
    let decimals = decimals.min(9);
    let scale = 10u64.pow(decimals);
    let scaled = (value * scale as f64).round();
    if !scaled.is_finite() || scaled.abs() >= 9.0e18 {
        buf.push(b'0');
        return;
    }
    let scaled = scaled as i64;
    if scaled < 0 {
        buf.push(b'-');
    }
    let abs = scaled.unsigned_abs();
    push_u64(buf, abs / scale);
    let mut frac = abs % scale;
    if frac == 0 {
        return;
    }
    let mut width = decimals;
    while frac.is_multiple_of(10) {
        frac /= 10;
        width -= 1;
    }
    buf.push(b'.');
    let mut digits = [b'0'; 9];
    for i in (0..width as usize).rev() {
        digits[i] = b'0' + (frac % 10) as u8;
        frac /= 10;
    }
    buf.extend_from_slice(&digits[..width as usize]);
}

/// `s` as a JSON string literal (quotes included).
pub fn push_json_str(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    for &b in s.as_bytes() {
        match b {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            0..=0x1f => {
                buf.extend_from_slice(b"\\u00");
                push_hex_byte(buf, b);
            }
            _ => buf.push(b),
        }
    }
    buf.push(b'"');
}

fn push_hex_byte(buf: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.push(HEX[usize::from(b >> 4)]);
    buf.push(HEX[usize::from(b & 0xf)]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut buf = Vec::new();
        f(&mut buf);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn timestamps_match_chrono() {
        for secs in [
            0i64,
            1_794_492_300,
            951_782_400,
            4_102_444_799,
            1_709_164_800,
        ] {
            let want = DateTime::<Utc>::from_timestamp(secs, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            assert_eq!(s(|b| push_ts_secs(b, secs)), want);
        }
        assert_eq!(
            s(|b| push_ts_millis(b, 1_794_492_301_007)),
            "2026-11-12T14:05:01.007Z"
        );
    }

    #[test]
    fn numbers_and_strings() {
        assert_eq!(s(|b| push_u64(b, 0)), "0");
        assert_eq!(
            s(|b| push_u64(b, 18_446_744_073_709_551_615)),
            "18446744073709551615"
        );
        assert_eq!(s(|b| push_hex16(b, 0xab)), "00000000000000ab");
        assert_eq!(s(|b| push_decimal(b, 0.12004, 4)), "0.12");
        assert_eq!(s(|b| push_decimal(b, 0.01234, 4)), "0.0123");
        assert_eq!(s(|b| push_decimal(b, 2.99996, 4)), "3");
        assert_eq!(s(|b| push_decimal(b, -1.5, 2)), "-1.5");
        assert_eq!(s(|b| push_decimal(b, f64::NAN, 2)), "0");
        let text = "a\"b\\c\nd\u{1}é";
        let json = s(|b| push_json_str(b, text));
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), text);
    }
}

//! Dates as the language holds them: a whole number of days since
//! 1970-01-01 (negative before), in the proleptic Gregorian calendar; and
//! the whole months and years between two of them.
//!
//! The whole-month rule: a month is complete on the day of the month the
//! span started on. From 31 January, the first month completes on 1 March
//! (February has no 31st); someone born on 29 February completes a year on
//! 1 March in a year that is not a leap year. Spans backwards are negative:
//! `months_between(b, a)` is `-months_between(a, b)`.

/// Days from 1970-01-01 to `y-m-d` (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month, day)` of `days` since 1970-01-01 (`civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn month_days(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The days of a valid date `y-m-d` with `1 <= y <= 9999`, else `None`.
pub fn date_days(y: i64, m: u32, d: u32) -> Option<i64> {
    ((1..=9999).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= month_days(y, m))
        .then(|| days_from_civil(y, m, d))
}

/// Parse `YYYY-MM-DD` (ISO 8601, exactly that shape) into days.
pub fn parse_iso(text: &[u8]) -> Option<i64> {
    match text {
        [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] => {
            let y = digits(&[*y0, *y1, *y2, *y3])?;
            let m = digits(&[*m0, *m1])?;
            let d = digits(&[*d0, *d1])?;
            date_days(i64::from(y), m, d)
        }
        _ => None,
    }
}

/// Parse `DD/MM/YYYY` into days.
pub fn parse_dmy(text: &[u8]) -> Option<i64> {
    match text {
        [d0, d1, b'/', m0, m1, b'/', y0, y1, y2, y3] => {
            let y = digits(&[*y0, *y1, *y2, *y3])?;
            let m = digits(&[*m0, *m1])?;
            let d = digits(&[*d0, *d1])?;
            date_days(i64::from(y), m, d)
        }
        _ => None,
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Append `YYYY-MM-DD` of the day `v` to `out` without allocating (`?` for
/// a value that is not a whole number of days in years 1 to 9999).
pub fn write_iso(v: f64, out: &mut Vec<u8>) {
    if !(v.is_finite() && v == v.trunc() && v.abs() <= 3e6) {
        out.push(b'?');
        return;
    }
    let (y, m, d) = civil_from_days(v as i64);
    if !(1..=9999).contains(&y) {
        out.push(b'?');
        return;
    }
    let y = y as u32;
    let digit = |n: u32| b'0' + (n % 10) as u8;
    out.extend_from_slice(&[
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(d / 10),
        digit(d),
    ]);
}

/// `YYYY-MM-DD` of `days`.
pub fn format_iso(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Whole months from day `a` to day `b` (see the module's rule); NaN when
/// either is NaN or not a whole number of days within ±10^8.
pub fn months_between(a: f64, b: f64) -> f64 {
    let ok = |x: f64| x.is_finite() && x == x.trunc() && x.abs() <= 1e8;
    if !ok(a) || !ok(b) {
        return f64::NAN;
    }
    let (a, b) = (a as i64, b as i64);
    if b < a {
        return -months_forward(b, a) as f64;
    }
    months_forward(a, b) as f64
}

/// Whole months from `a` to `b >= a`.
fn months_forward(a: i64, b: i64) -> i64 {
    let (ya, ma, da) = civil_from_days(a);
    let (yb, mb, db) = civil_from_days(b);
    let months = (yb - ya) * 12 + i64::from(mb) - i64::from(ma);
    if db < da { months - 1 } else { months }
}

/// Whole years from day `a` to day `b`: whole months / 12, towards zero.
pub fn years_between(a: f64, b: f64) -> f64 {
    let m = months_between(a, b);
    if m.is_nan() { m } else { (m / 12.0).trunc() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> f64 {
        parse_iso(s.as_bytes()).unwrap() as f64
    }

    #[test]
    fn round_trips_and_validation() {
        assert_eq!(parse_iso(b"1970-01-01"), Some(0));
        assert_eq!(parse_iso(b"1969-12-31"), Some(-1));
        assert_eq!(parse_iso(b"2000-03-01"), Some(11_017));
        for d in [-700_000, -1, 0, 59, 11_016, 20_000, 2_900_000] {
            assert_eq!(parse_iso(format_iso(d).as_bytes()), Some(d), "{d}");
        }
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "24-01-01",
            "2024-1-01",
            "2024/01/01",
            "0000-01-01",
            "",
        ] {
            assert_eq!(parse_iso(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(parse_iso(b"2024-02-29"), Some(19_782));
        assert_eq!(parse_dmy(b"29/02/2024"), Some(19_782));
        assert_eq!(parse_dmy(b"31/04/2024"), None);
        let mut out = Vec::new();
        write_iso(19_782.0, &mut out);
        write_iso(0.5, &mut out);
        assert_eq!(out, b"2024-02-29?");
    }

    #[test]
    fn whole_months_and_years() {
        assert_eq!(months_between(day("2024-01-15"), day("2024-02-14")), 0.0);
        assert_eq!(months_between(day("2024-01-15"), day("2024-02-15")), 1.0);
        // From the 31st: February has no 31st, the month completes on 1 March.
        assert_eq!(months_between(day("2024-01-31"), day("2024-02-29")), 0.0);
        assert_eq!(months_between(day("2024-01-31"), day("2024-03-01")), 1.0);
        // Born on 29 February: a year older on 1 March in a common year.
        let born = day("2004-02-29");
        assert_eq!(years_between(born, day("2025-02-28")), 20.0);
        assert_eq!(years_between(born, day("2025-03-01")), 21.0);
        assert_eq!(years_between(born, day("2024-02-29")), 20.0);
        // Backwards is negative; the same day is 0.
        assert_eq!(months_between(day("2024-03-01"), day("2024-01-31")), -1.0);
        assert_eq!(years_between(day("2025-03-01"), born), -21.0);
        assert_eq!(months_between(born, born), 0.0);
        assert!(months_between(f64::NAN, 0.0).is_nan());
        assert!(years_between(0.5, 0.0).is_nan());
    }
}

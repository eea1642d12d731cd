//! Numbers, money, percentages and dates as people read them in each
//! language of layak's reports: Indonesian groups thousands with `.` and
//! writes decimals with `,` (`Rp 1.500.000`, `629.561`, `0,25`); English the
//! other way round (`Rp 1,500,000`, `0.25`).
//!
//! Every writer appends to a caller's byte buffer (no allocation of its own,
//! so reasons can use them per row); the `String` forms are for reports.
//! The digits and their rounding are those of the plain writers of
//! [`super`] (half away from zero with the 1e-9 nudge): only the separators
//! differ.
//!
//! ```
//! use layak::numfmt::locale::Lang;
//! assert_eq!(Lang::Id.money(1_500_000.0, "IDR"), "Rp 1.500.000");
//! assert_eq!(Lang::En.money(1_500_000.0, "IDR"), "Rp 1,500,000");
//! assert_eq!(Lang::Id.number(629_561.0), "629.561");
//! assert_eq!(Lang::Id.number(0.25), "0,25");
//! assert_eq!(Lang::En.percent(0.2, 1), "20.0%");
//! assert_eq!(Lang::Id.date("2026-06-01"), "1 Juni 2026");
//! ```

/// A language of layak's texts for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    En,
    /// Bahasa Indonesia.
    Id,
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

impl Lang {
    /// Every language, in a fixed order.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Id];

    /// The ISO 639-1 code: `en`, `id` (also the `lang` of an HTML page).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Id => "id",
        }
    }

    /// `en` or `id` (any case); anything else is `None`.
    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "id" => Some(Lang::Id),
            _ => None,
        }
    }

    /// The language of a POSIX locale name: `id`, `id_ID.UTF-8`,
    /// `id-ID` or `id@…` is Indonesian; any other name is English.
    pub fn of_locale(name: &str) -> Lang {
        let b = name.as_bytes();
        let indonesian = b.len() >= 2
            && b[..2].eq_ignore_ascii_case(b"id")
            && matches!(b.get(2), None | Some(b'_' | b'-' | b'.' | b'@'));
        if indonesian { Lang::Id } else { Lang::En }
    }

    /// The default language from the environment's locale: `LC_ALL` when
    /// set and not empty (it overrides the others, as in POSIX), else
    /// `LANG`; English when neither names Indonesian.
    pub fn from_environment(lc_all: Option<&str>, lang: Option<&str>) -> Lang {
        match (lc_all.filter(|v| !v.is_empty()), lang) {
            (Some(v), _) | (None, Some(v)) => Lang::of_locale(v),
            (None, None) => Lang::En,
        }
    }

    /// [`Lang::from_environment`] with this process's `LC_ALL` and `LANG`.
    pub fn from_process_env() -> Lang {
        let var = |k: &str| std::env::var(k).ok();
        Lang::from_environment(var("LC_ALL").as_deref(), var("LANG").as_deref())
    }

    /// The byte between thousands: `.` in Indonesian, `,` in English.
    pub fn thousands_separator(self) -> u8 {
        match self {
            Lang::En => b',',
            Lang::Id => b'.',
        }
    }

    /// The byte before decimals: `,` in Indonesian, `.` in English.
    pub fn decimal_separator(self) -> u8 {
        match self {
            Lang::En => b'.',
            Lang::Id => b',',
        }
    }

    /// A count: `1.234.567` / `1,234,567`.
    pub fn write_count(self, n: u128, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        self.localize(out, start);
    }

    /// A number with at most two decimals, trailing zeros dropped
    /// (`193.449,67`, `0,5`, `412.500`), as [`super::write_grouped`].
    pub fn write_number(self, x: f64, out: &mut Vec<u8>) {
        let start = out.len();
        super::write_fixed(x, 2, out);
        if x.is_finite() {
            while out.last() == Some(&b'0') && out[start..].contains(&b'.') {
                out.pop();
            }
            if out.last() == Some(&b'.') {
                out.pop();
            }
        }
        self.localize(out, start);
    }

    /// A number with exactly `decimals` decimals, thousands grouped
    /// (`0,098`, `1.234,5`).
    pub fn write_fixed(self, x: f64, decimals: u32, out: &mut Vec<u8>) {
        let start = out.len();
        super::write_fixed(x, decimals, out);
        self.localize(out, start);
    }

    /// `ratio` as a percentage with `decimals` decimals: `20,0%` / `20.0%`.
    pub fn write_percent(self, ratio: f64, decimals: u32, out: &mut Vec<u8>) {
        // `+ 0.0`: a negative zero is written 0.
        self.write_fixed(100.0 * ratio + 0.0, decimals, out);
        out.push(b'%');
    }

    /// An amount of money: the currency's symbol (`Rp` for IDR, else the
    /// code), a space and the amount as [`Lang::write_number`] writes it.
    pub fn write_money(self, x: f64, currency: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(currency_symbol(currency).as_bytes());
        out.push(b' ');
        self.write_number(x, out);
    }

    /// A date `YYYY-MM-DD` as `1 Juni 2026` / `1 June 2026`; any other text
    /// is written as it is.
    pub fn write_date(self, iso: &str, out: &mut Vec<u8>) {
        let parts: Vec<&str> = iso.split('-').collect();
        let number = |s: &str| s.parse::<u32>().ok().filter(|_| !s.is_empty());
        let date = match parts.as_slice() {
            [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                number(y).zip(number(m)).zip(number(d))
            }
            _ => None,
        };
        match date {
            Some(((y, m), d)) if (1..=12).contains(&m) && (1..=31).contains(&d) => {
                let months = match self {
                    Lang::En => &MONTHS_EN,
                    Lang::Id => &MONTHS_ID,
                };
                out.extend_from_slice(itoa::Buffer::new().format(d).as_bytes());
                out.push(b' ');
                out.extend_from_slice(months[m as usize - 1].as_bytes());
                out.push(b' ');
                out.extend_from_slice(itoa::Buffer::new().format(y).as_bytes());
            }
            _ => out.extend_from_slice(iso.as_bytes()),
        }
    }

    /// [`Lang::write_count`] as a `String`.
    pub fn count(self, n: u128) -> String {
        self.text(|out| self.write_count(n, out))
    }

    /// [`Lang::write_number`] as a `String`.
    pub fn number(self, x: f64) -> String {
        self.text(|out| self.write_number(x, out))
    }

    /// [`Lang::write_fixed`] as a `String`.
    pub fn fixed(self, x: f64, decimals: u32) -> String {
        self.text(|out| self.write_fixed(x, decimals, out))
    }

    /// [`Lang::write_percent`] as a `String`.
    pub fn percent(self, ratio: f64, decimals: u32) -> String {
        self.text(|out| self.write_percent(ratio, decimals, out))
    }

    /// [`Lang::write_money`] as a `String`.
    pub fn money(self, x: f64, currency: &str) -> String {
        self.text(|out| self.write_money(x, currency, out))
    }

    /// [`Lang::write_date`] as a `String`.
    pub fn date(self, iso: &str) -> String {
        self.text(|out| self.write_date(iso, out))
    }

    fn text(self, write: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::with_capacity(24);
        write(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Turn the plain number `[-]digits[.digits]` at `out[start..]` into this
    /// language's: thousands separators inserted, the decimal point
    /// replaced. Anything else (`NaN`, `inf`) is left alone.
    fn localize(self, out: &mut Vec<u8>, start: usize) {
        let sign = usize::from(out.get(start) == Some(&b'-'));
        let digits_from = start + sign;
        if !out.get(digits_from).is_some_and(u8::is_ascii_digit) {
            return;
        }
        let int_end = out[digits_from..]
            .iter()
            .position(|&b| b == b'.')
            .map_or(out.len(), |p| digits_from + p);
        if int_end < out.len() {
            out[int_end] = self.decimal_separator();
        }
        let int_len = int_end - digits_from;
        let seps = (int_len.saturating_sub(1)) / 3;
        if seps == 0 {
            return;
        }
        let old_len = out.len();
        out.resize(old_len + seps, 0);
        // The fraction moves right by `seps`; then the whole digits, from the
        // last, with a separator before every third.
        out.copy_within(int_end..old_len, int_end + seps);
        let mut to = int_end + seps;
        for (i, from) in (digits_from..int_end).rev().enumerate() {
            if i > 0 && i % 3 == 0 {
                to -= 1;
                out[to] = self.thousands_separator();
            }
            to -= 1;
            out[to] = out[from];
        }
    }
}

/// The symbol people write before an amount: `Rp` for IDR, otherwise the
/// currency code itself (`USD`).
pub fn currency_symbol(code: &str) -> &str {
    if code.eq_ignore_ascii_case("IDR") {
        "Rp"
    } else {
        code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_take_each_languages_separators() {
        assert_eq!(Lang::Id.count(1_500_000), "1.500.000");
        assert_eq!(Lang::En.count(1_500_000), "1,500,000");
        assert_eq!(Lang::Id.count(0), "0");
        assert_eq!(Lang::Id.count(999), "999");
        assert_eq!(Lang::Id.count(1000), "1.000");
        assert_eq!(
            Lang::En.count(u128::MAX),
            "340,282,366,920,938,463,463,374,607,431,768,211,455"
        );
        assert_eq!(Lang::Id.number(629_561.0), "629.561");
        assert_eq!(Lang::Id.number(0.25), "0,25");
        assert_eq!(Lang::En.number(0.25), "0.25");
        assert_eq!(Lang::Id.number(1_500_000.5), "1.500.000,5");
        assert_eq!(Lang::En.number(1_500_000.5), "1,500,000.5");
        assert_eq!(Lang::En.number(-1234.567), "-1,234.57");
        assert_eq!(Lang::Id.number(-0.0), "0");
        assert_eq!(Lang::Id.number(f64::NAN), "NaN");
        assert_eq!(Lang::Id.fixed(0.098245, 3), "0,098");
        assert_eq!(Lang::Id.fixed(1234.5, 1), "1.234,5");
        assert_eq!(Lang::En.fixed(28.749999999999996, 1), "28.8");
    }

    #[test]
    fn the_english_number_is_the_plain_grouped_one() {
        for x in [0.0, 0.5, 12.0, 999.995, 1000.0, 123456.78, 9.87e12, -42.1] {
            let mut plain = Vec::new();
            crate::numfmt::write_grouped(x, &mut plain);
            assert_eq!(Lang::En.number(x).into_bytes(), plain, "{x}");
        }
    }

    #[test]
    fn money_percent_and_dates() {
        assert_eq!(Lang::Id.money(1_500_000.0, "IDR"), "Rp 1.500.000");
        assert_eq!(Lang::En.money(1_500_000.0, "idr"), "Rp 1,500,000");
        assert_eq!(Lang::En.money(12.5, "USD"), "USD 12.5");
        assert_eq!(Lang::Id.percent(0.2, 1), "20,0%");
        assert_eq!(Lang::En.percent(0.4912280701754386, 1), "49.1%");
        assert_eq!(Lang::Id.percent(-0.0, 1), "0,0%");
        assert_eq!(Lang::Id.date("2026-06-01"), "1 Juni 2026");
        assert_eq!(Lang::En.date("2026-12-31"), "31 December 2026");
        assert_eq!(Lang::En.date("2026-13-01"), "2026-13-01");
        assert_eq!(Lang::En.date("today"), "today");
    }

    #[test]
    fn writers_append_to_the_buffer() {
        let mut out = b"total: ".to_vec();
        Lang::Id.write_money(14_373_000.0, "IDR", &mut out);
        out.extend_from_slice(b"; ");
        Lang::Id.write_count(41, &mut out);
        assert_eq!(out, b"total: Rp 14.373.000; 41");
    }

    #[test]
    fn the_language_comes_from_the_locale() {
        assert_eq!(Lang::parse("ID"), Some(Lang::Id));
        assert_eq!(Lang::parse(" en "), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::of_locale("id_ID.UTF-8"), Lang::Id);
        assert_eq!(Lang::of_locale("id"), Lang::Id);
        assert_eq!(Lang::of_locale("ID-id"), Lang::Id);
        assert_eq!(Lang::of_locale("idiom"), Lang::En);
        assert_eq!(Lang::of_locale("C.UTF-8"), Lang::En);
        let env = Lang::from_environment;
        assert_eq!(env(None, None), Lang::En);
        assert_eq!(env(None, Some("id_ID.UTF-8")), Lang::Id);
        assert_eq!(env(Some("en_US.UTF-8"), Some("id_ID.UTF-8")), Lang::En);
        assert_eq!(env(Some("id_ID"), Some("en_GB")), Lang::Id);
        assert_eq!(env(Some(""), Some("id_ID")), Lang::Id);
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.code()), Some(lang));
        }
    }
}

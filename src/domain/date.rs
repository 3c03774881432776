//! Calendar dates that may be known only to the year or month, as press
//! releases give them ("September 2023", "2024").

use std::fmt;
use std::str::FromStr;

/// Returns a date known to the year, the month or the day.
///
/// Ordering follows the calendar, with a less precise date sorting before the
/// more precise dates inside it (`2023` < `2023-09` < `2023-09-01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    /// Four-digit year, 1 to 9999.
    pub year: u16,
    /// Month 1 to 12, if known.
    pub month: Option<u8>,
    /// Day of month, if known (only with a month).
    pub day: Option<u8>,
}

/// Why a string is not a date in `YYYY`, `YYYY-MM` or `YYYY-MM-DD` form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid date {input:?}: expected YYYY, YYYY-MM or YYYY-MM-DD with a real calendar day")]
pub struct DateError {
    input: String,
}

impl PartialDate {
    /// Returns a full date if the day exists in that month and year.
    pub fn ymd(year: u16, month: u8, day: u8) -> Option<Self> {
        let valid = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then_some(Self { year, month: Some(month), day: Some(day) })
    }

    /// Returns a month-precision date.
    pub fn ym(year: u16, month: u8) -> Option<Self> {
        ((1..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(Self { year, month: Some(month), day: None })
    }

    /// Returns a year-precision date.
    pub fn y(year: u16) -> Option<Self> {
        (1..=9999).contains(&year).then_some(Self { year, month: None, day: None })
    }

    /// Returns true when year, month and day are all known.
    pub fn is_full(&self) -> bool {
        self.day.is_some()
    }

    /// Returns the day number since 0001-01-01 for a full date (used for
    /// weekday arithmetic), or `None` when the day is unknown.
    pub fn ordinal_day(&self) -> Option<i64> {
        let (m, d) = (self.month?, self.day?);
        // Days-from-civil (proleptic Gregorian), shifted so March is month 0.
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (i64::from(m) + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(era * 146_097 + doe)
    }

    /// Returns the full date `days` after this one (negative goes back).
    pub fn add_days(&self, days: i64) -> Option<Self> {
        let n = self.ordinal_day()? + days;
        let era = n.div_euclid(146_097);
        let doe = n - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        Self::ymd(u16::try_from(y).ok()?, m as u8, d as u8)
    }

    /// Returns the ISO weekday, Monday = 1 … Sunday = 7, of a full date.
    pub fn weekday(&self) -> Option<u8> {
        // 0000-03-01 (day 0 of the scheme) was a Wednesday.
        let n = self.ordinal_day()?;
        Some(((n + 2).rem_euclid(7) + 1) as u8)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl FromStr for PartialDate {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || DateError { input: s.chars().take(40).collect() };
        let mut parts = s.trim().split('-');
        let num = |p: Option<&str>, len: usize| -> Result<Option<u16>, DateError> {
            match p {
                None => Ok(None),
                Some(p) if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) => {
                    p.parse().map(Some).map_err(|_| err())
                }
                Some(_) => Err(err()),
            }
        };
        let year = num(parts.next(), 4)?.ok_or_else(err)?;
        let month = num(parts.next(), 2)?;
        let day = num(parts.next(), 2)?;
        if parts.next().is_some() {
            return Err(err());
        }
        let date = match (month, day) {
            (None, _) => Self::y(year),
            (Some(m), None) => Self::ym(year, m as u8),
            (Some(m), Some(d)) => Self::ymd(year, m as u8, d as u8),
        };
        date.ok_or_else(err)
    }
}

impl serde::Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PartialDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_every_precision() {
        for s in ["2024", "2023-09", "2025-03-19", "2024-02-29"] {
            assert_eq!(s.parse::<PartialDate>().unwrap().to_string(), s);
        }
    }

    #[test]
    fn rejects_impossible_dates() {
        for s in ["", "2023-02-29", "2024-13", "24-01-01", "2024-1-1", "0000", "2024-01-01-01", "abcd"] {
            assert!(s.parse::<PartialDate>().is_err(), "{s}");
        }
    }

    #[test]
    fn weekday_and_day_arithmetic_agree_with_the_calendar() {
        let d: PartialDate = "2025-03-19".parse().unwrap();
        assert_eq!(d.weekday(), Some(3)); // a Wednesday
        assert_eq!(d.add_days(-1).unwrap().to_string(), "2025-03-18");
        assert_eq!(d.add_days(13).unwrap().to_string(), "2025-04-01");
        let leap: PartialDate = "2024-02-28".parse().unwrap();
        assert_eq!(leap.add_days(1).unwrap().to_string(), "2024-02-29");
        assert_eq!("2000-01-01".parse::<PartialDate>().unwrap().weekday(), Some(6));
    }

    #[test]
    fn orders_less_precise_first() {
        let a: PartialDate = "2023".parse().unwrap();
        let b: PartialDate = "2023-09".parse().unwrap();
        let c: PartialDate = "2023-09-01".parse().unwrap();
        assert!(a < b && b < c);
    }
}

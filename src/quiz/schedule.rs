//! When a daily quiz runs: a local wall-clock time in an IANA timezone, turned into UTC
//! instants so that daylight-saving changes do not move the local time.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Parse `HH:MM` (24-hour).
pub fn parse_local_time(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| format!("`{s}` is not a time: use 24-hour HH:MM, e.g. 18:30"))
}

/// Parse an IANA timezone name such as `Europe/Berlin` (case-insensitive).
pub fn parse_tz(s: &str) -> Result<Tz, String> {
    let t = s.trim();
    t.parse::<Tz>()
        .ok()
        .or_else(|| {
            chrono_tz::TZ_VARIANTS
                .iter()
                .find(|z| z.name().eq_ignore_ascii_case(t))
                .copied()
        })
        .ok_or_else(|| {
            format!("`{s}` is not an IANA timezone such as Europe/Berlin or America/New_York")
        })
}

/// Timezone names containing `typed` (case-insensitive), at most `limit`, for autocomplete.
pub fn tz_suggestions(typed: &str, limit: usize) -> Vec<&'static str> {
    let t = typed.trim().to_lowercase().replace(' ', "_");
    let mut starts: Vec<&'static str> = Vec::new();
    let mut contains: Vec<&'static str> = Vec::new();
    for z in chrono_tz::TZ_VARIANTS.iter() {
        let n = z.name();
        let l = n.to_lowercase();
        if l.starts_with(&t) || l.split('/').any(|p| p.starts_with(&t)) {
            starts.push(n);
        } else if l.contains(&t) {
            contains.push(n);
        }
    }
    starts.extend(contains);
    starts.truncate(limit);
    starts
}

/// The UTC instant of `date` at `time` in `tz`. A time skipped by a DST change runs at the same
/// offset later (02:30 on a spring-forward night runs at 03:30); an ambiguous time (autumn)
/// runs at its first occurrence.
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let ndt = date.and_time(time);
    match tz.from_local_datetime(&ndt) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        LocalResult::None => {
            // Skipped by a DST change: read the wall-clock time with the offset in force just
            // before the gap (gaps are at most a few hours), i.e. the same time "later".
            use chrono::Offset;
            let before = tz
                .from_local_datetime(&(ndt - Duration::hours(3)))
                .earliest()
                .map(|t| t.offset().fix())
                .unwrap_or_else(|| Utc.fix());
            Utc.from_utc_datetime(&(ndt - before))
        }
    }
}

/// The first run strictly after `after`.
pub fn next_run(time: NaiveTime, tz: Tz, after: DateTime<Utc>) -> DateTime<Utc> {
    let local_date = after.with_timezone(&tz).date_naive();
    for d in 0..3 {
        let date = local_date + Duration::days(d);
        let t = local_instant(tz, date, time);
        if t > after {
            return t;
        }
    }
    local_instant(tz, local_date + Duration::days(3), time)
}

/// The local date of an instant in `tz` (a daily quiz is "the quiz of" that date).
pub fn local_date(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn local_time_is_kept_across_dst() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let t = parse_local_time("18:00").unwrap();
        // Winter: UTC+1.
        assert_eq!(
            next_run(t, tz, utc("2026-03-27T12:00:00Z")),
            utc("2026-03-27T17:00:00Z")
        );
        // Clocks go forward on 2026-03-29: summer UTC+2.
        assert_eq!(
            next_run(t, tz, utc("2026-03-28T17:00:00Z")),
            utc("2026-03-29T16:00:00Z")
        );
        assert_eq!(
            next_run(t, tz, utc("2026-10-24T16:00:00Z")),
            utc("2026-10-25T17:00:00Z")
        );
    }

    #[test]
    fn skipped_and_repeated_times() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        assert_eq!(
            local_instant(tz, d, parse_local_time("02:30").unwrap()),
            utc("2026-03-29T01:30:00Z")
        );
        let d = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
        assert_eq!(
            local_instant(tz, d, parse_local_time("02:30").unwrap()),
            utc("2026-10-25T00:30:00Z")
        );
    }

    #[test]
    fn parsing() {
        assert!(parse_local_time("25:00").is_err());
        assert!(parse_local_time("7pm").is_err());
        assert_eq!(parse_tz("europe/berlin").unwrap().name(), "Europe/Berlin");
        assert!(parse_tz("Mars/Olympus").is_err());
        assert!(tz_suggestions("berl", 25).contains(&"Europe/Berlin"));
        assert!(tz_suggestions("", 25).len() <= 25);
    }
}

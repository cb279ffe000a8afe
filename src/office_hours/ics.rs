//! iCalendar (RFC 5545) export of office hours: one-off sessions in UTC, weekly series with
//! their timezone (VTIMEZONE) and an RRULE, so calendars keep 17:00 Berlin at 17:00 Berlin.

use super::Series;
use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// Escape TEXT values (RFC 5545 §3.3.11).
fn text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// Fold a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut count = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if count + n > 75 {
            out.push_str("\r\n ");
            count = 1;
        }
        out.push(c);
        count += n;
    }
    out.push_str("\r\n");
}

fn utc_stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local_stamp(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

fn offset_text(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.abs();
    format!("{sign}{:02}{:02}", a / 3600, (a % 3600) / 60)
}

fn offset_at(tz: Tz, t: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
}

/// `t + d`, or `t` when that is out of range (checked: never panics).
fn shift<T>(t: T, d: Duration) -> T
where
    T: Copy + Checked,
{
    t.checked(d).unwrap_or(t)
}

/// Checked addition of a duration, for both date-time types used here.
trait Checked: Sized {
    fn checked(self, d: Duration) -> Option<Self>;
}
impl Checked for NaiveDateTime {
    fn checked(self, d: Duration) -> Option<Self> {
        self.checked_add_signed(d)
    }
}
impl Checked for DateTime<Utc> {
    fn checked(self, d: Duration) -> Option<Self> {
        self.checked_add_signed(d)
    }
}

/// Offset changes of `tz` between `from` and `to`: (instant, offset before, offset after).
fn transitions(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, i32, i32)> {
    let mut out = Vec::new();
    let mut day = from;
    while day < to {
        let Some(next) = day.checked_add_signed(Duration::days(1)) else {
            break;
        };
        let (a, b) = (offset_at(tz, day), offset_at(tz, next));
        if a != b {
            // Binary search to the second: `hi` is the first second of the new offset.
            let (mut lo, mut hi) = (day.timestamp(), next.timestamp());
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                let t = Utc.timestamp_opt(mid, 0).single().unwrap_or(day);
                if offset_at(tz, t) == a {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push((Utc.timestamp_opt(hi, 0).single().unwrap_or(next), a, b));
        }
        day = next;
    }
    out
}

/// The VTIMEZONE component for `tz`, covering `from`..`to`.
fn vtimezone(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>, out: &mut String) {
    fold("BEGIN:VTIMEZONE", out);
    fold(&format!("TZID:{}", tz.name()), out);
    let start_off = offset_at(tz, from);
    let abbr = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Z").to_string();
    // The observance in force at the start of the window.
    let first_kind = "STANDARD";
    fold(&format!("BEGIN:{first_kind}"), out);
    fold(
        &format!(
            "DTSTART:{}",
            local_stamp(shift(from.naive_utc(), Duration::seconds(start_off as i64)))
        ),
        out,
    );
    fold(&format!("TZOFFSETFROM:{}", offset_text(start_off)), out);
    fold(&format!("TZOFFSETTO:{}", offset_text(start_off)), out);
    fold(&format!("TZNAME:{}", abbr(from)), out);
    fold(&format!("END:{first_kind}"), out);
    for (at, before, after) in transitions(tz, from, to) {
        let kind = if after > before {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        fold(&format!("BEGIN:{kind}"), out);
        fold(
            &format!(
                "DTSTART:{}",
                local_stamp(shift(at.naive_utc(), Duration::seconds(before as i64)))
            ),
            out,
        );
        fold(&format!("TZOFFSETFROM:{}", offset_text(before)), out);
        fold(&format!("TZOFFSETTO:{}", offset_text(after)), out);
        fold(&format!("TZNAME:{}", abbr(at)), out);
        fold(&format!("END:{kind}"), out);
    }
    fold("END:VTIMEZONE", out);
}

/// A calendar of every active session of `series`, stamped `now`. `host_names` maps host ids to
/// display names for the description.
pub fn calendar(
    series: &[Series],
    now: DateTime<Utc>,
    host_names: &BTreeMap<crate::ids::UserId, String>,
) -> String {
    let mut out = String::new();
    fold("BEGIN:VCALENDAR", &mut out);
    fold("VERSION:2.0", &mut out);
    fold(
        "PRODID:-//coursebot//Celery course office hours//EN",
        &mut out,
    );
    fold("CALSCALE:GREGORIAN", &mut out);
    fold("METHOD:PUBLISH", &mut out);
    // One VTIMEZONE per zone used by a weekly series.
    let mut zones: BTreeMap<&str, (Tz, DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
    for s in series.iter().filter(|s| s.weekly && !s.cancelled) {
        let first =
            crate::quiz::schedule::local_instant(s.tz, s.start_local.date(), s.start_local.time());
        let last = s
            .until
            .map(|u| crate::quiz::schedule::local_instant(s.tz, u, s.start_local.time()))
            .unwrap_or(shift(first, Duration::days(2 * 366)));
        let e = zones.entry(s.tz.name()).or_insert((s.tz, first, last));
        e.1 = e.1.min(first);
        e.2 = e.2.max(last);
    }
    for (tz, from, to) in zones.values() {
        vtimezone(
            *tz,
            shift(*from, -Duration::days(1)),
            shift(*to, Duration::days(1)),
            &mut out,
        );
    }
    for s in series.iter().filter(|s| !s.cancelled) {
        fold("BEGIN:VEVENT", &mut out);
        fold(
            &format!("UID:office-hours-{}-{}@coursebot", s.guild, s.id),
            &mut out,
        );
        fold(&format!("DTSTAMP:{}", utc_stamp(now)), &mut out);
        if s.weekly {
            let end = shift(s.start_local, Duration::minutes(s.duration_minutes));
            fold(
                &format!(
                    "DTSTART;TZID={}:{}",
                    s.tz.name(),
                    local_stamp(s.start_local)
                ),
                &mut out,
            );
            fold(
                &format!("DTEND;TZID={}:{}", s.tz.name(), local_stamp(end)),
                &mut out,
            );
            let mut rule = "RRULE:FREQ=WEEKLY".to_string();
            if let Some(u) = s.until {
                // UNTIL is inclusive; in UTC when DTSTART has a TZID.
                let last = crate::quiz::schedule::local_instant(s.tz, u, s.start_local.time());
                rule.push_str(&format!(";UNTIL={}", utc_stamp(last)));
            }
            fold(&rule, &mut out);
        } else {
            let start = crate::quiz::schedule::local_instant(
                s.tz,
                s.start_local.date(),
                s.start_local.time(),
            );
            fold(&format!("DTSTART:{}", utc_stamp(start)), &mut out);
            fold(
                &format!(
                    "DTEND:{}",
                    utc_stamp(shift(start, Duration::minutes(s.duration_minutes)))
                ),
                &mut out,
            );
        }
        fold(
            &format!("SUMMARY:{}", text(&format!("Office hours: {}", s.topic))),
            &mut out,
        );
        let mut desc = format!("Celery course office hours: {}.", s.topic);
        if let Some(h) = s.host {
            desc.push_str(&format!(
                " Host: {}.",
                host_names
                    .get(&h)
                    .cloned()
                    .unwrap_or_else(|| format!("member {h}"))
            ));
        }
        fold(&format!("DESCRIPTION:{}", text(&desc)), &mut out);
        fold("STATUS:CONFIRMED", &mut out);
        fold("END:VEVENT", &mut out);
    }
    fold("END:VCALENDAR", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_escaping() {
        let mut out = String::new();
        fold(&format!("DESCRIPTION:{}", "é".repeat(60)), &mut out);
        for l in out.split("\r\n") {
            assert!(l.len() <= 75, "{l}");
        }
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn berlin_transitions() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let t = transitions(
            tz,
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
        );
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].0, Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap());
        assert_eq!((t[0].1, t[0].2), (3600, 7200));
    }
}

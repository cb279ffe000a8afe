//! Office hours as rules, without Discord: validating what a moderator asks for, the
//! occurrences of a one-off or weekly session in its own timezone (17:00 Berlin stays 17:00
//! Berlin across DST), reminder times, and an iCalendar export.

pub mod ics;

use crate::quiz::schedule::parse_tz;
use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Longest session, in minutes.
pub const MAX_DURATION_MINUTES: i64 = 8 * 60;
/// Default reminder lead times, in minutes: a day and a quarter of an hour before.
pub const DEFAULT_LEADS: [i64; 2] = [24 * 60, 15];
/// Lead times a member can pick for their own reminder, in minutes.
pub const PERSONAL_LEADS: [(i64, &str); 4] = [
    (15, "15 minutes before"),
    (60, "1 hour before"),
    (180, "3 hours before"),
    (1440, "1 day before"),
];
/// How long after the start a "starting now" message may still go out (bot was down), minutes.
pub const STARTING_NOW_GRACE_MINUTES: i64 = 10;

/// A session or weekly series as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub id: i64,
    pub guild: u64,
    pub topic: String,
    pub host: Option<u64>,
    /// Local wall-clock start of the first occurrence.
    pub start_local: NaiveDateTime,
    pub tz: Tz,
    pub duration_minutes: i64,
    pub weekly: bool,
    /// Last local date of a weekly series (inclusive).
    pub until: Option<NaiveDate>,
    pub channel: Option<u64>,
    /// The channel is a stage channel (its Discord event is a stage instance, not a voice one).
    pub channel_stage: bool,
    pub cancelled: bool,
}

/// One occurrence, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Occurrence {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Series {
    fn at(&self, local: NaiveDateTime) -> DateTime<Utc> {
        crate::quiz::schedule::local_instant(self.tz, local.date(), local.time())
    }

    /// Occurrences that have not ended at `now`, in order, at most `n`.
    pub fn upcoming(&self, now: DateTime<Utc>, n: usize) -> Vec<Occurrence> {
        let mut out = Vec::new();
        if self.cancelled {
            return out;
        }
        let mut local = self.start_local;
        // Skip whole weeks quickly.
        if self.weekly {
            let first = self.at(local);
            if now > first {
                let weeks = (now - first).num_weeks() - 1;
                if weeks > 0 {
                    local += Duration::weeks(weeks);
                }
            }
        }
        for _ in 0..(n + 60) {
            if let Some(u) = self.until {
                if self.weekly && local.date() > u {
                    break;
                }
            }
            let start = self.at(local);
            let end = start + Duration::minutes(self.duration_minutes);
            if end > now {
                out.push(Occurrence { start, end });
                if out.len() >= n {
                    break;
                }
            }
            if !self.weekly {
                break;
            }
            local += Duration::weeks(1);
        }
        out
    }

    /// The next occurrence that has not ended.
    pub fn next(&self, now: DateTime<Utc>) -> Option<Occurrence> {
        self.upcoming(now, 1).into_iter().next()
    }
}

/// What a moderator typed, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub start_local: NaiveDateTime,
    pub tz: Tz,
    pub duration_minutes: i64,
    pub weekly: bool,
    pub until: Option<NaiveDate>,
    pub first_start: DateTime<Utc>,
}

/// Whether a plan's start must lie in the future.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRule {
    /// A new session, or a session being moved: the start must be in the future.
    Future,
    /// A weekly series whose start is kept while its length, timezone or end change: its
    /// first session may well be in the past.
    KeepPast,
}

/// Validate a request: `start` as `YYYY-MM-DD HH:MM` in `timezone`; the time must exist (not
/// skipped by a DST change) and lie in the future; 1–480 minutes; `until` (weekly only) not
/// before the start date. Errors are sentences for the moderator.
pub fn plan(
    start: &str,
    timezone: &str,
    duration_minutes: i64,
    weekly: bool,
    until: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Plan, String> {
    plan_with(
        start,
        timezone,
        duration_minutes,
        weekly,
        until,
        now,
        StartRule::Future,
    )
}

/// [`plan`], with the start rule chosen by the caller.
pub fn plan_with(
    start: &str,
    timezone: &str,
    duration_minutes: i64,
    weekly: bool,
    until: Option<&str>,
    now: DateTime<Utc>,
    rule: StartRule,
) -> Result<Plan, String> {
    let tz = parse_tz(timezone)?;
    let local = NaiveDateTime::parse_from_str(start.trim(), "%Y-%m-%d %H:%M").map_err(|_| {
        format!("`{start}` is not a start time: use YYYY-MM-DD HH:MM, e.g. 2026-04-02 17:00")
    })?;
    let first_start = match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        LocalResult::None => {
            return Err(format!(
                "{start} does not exist in {}: the clocks skip that hour for daylight saving. Pick another time.",
                tz.name()
            ))
        }
    };
    if first_start <= now && rule == StartRule::Future {
        return Err(format!("{start} {} is in the past.", tz.name()));
    }
    if !(1..=MAX_DURATION_MINUTES).contains(&duration_minutes) {
        return Err(format!(
            "The duration must be 1 to {MAX_DURATION_MINUTES} minutes (8 hours)."
        ));
    }
    let until = match until.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(_) if !weekly => {
            return Err("`until` only applies to weekly sessions (repeat: weekly).".into())
        }
        Some(u) => {
            let d = NaiveDate::parse_from_str(u, "%Y-%m-%d")
                .map_err(|_| format!("`{u}` is not a date: use YYYY-MM-DD"))?;
            if d < local.date() {
                return Err("`until` is before the first session.".into());
            }
            Some(d)
        }
    };
    Ok(Plan {
        start_local: local,
        tz,
        duration_minutes,
        weekly,
        until,
        first_start,
    })
}

/// Parse reminder lead times such as `24h, 15m, 90` (minutes when no unit); 1 minute to 7 days,
/// at most 5 of them.
pub fn parse_leads(s: &str) -> Result<Vec<i64>, String> {
    let mut out = Vec::new();
    for part in s.split([',', ' ']).map(str::trim).filter(|p| !p.is_empty()) {
        let (num, mult) = if let Some(n) = part.strip_suffix('h') {
            (n, 60)
        } else if let Some(n) = part.strip_suffix('d') {
            (n, 1440)
        } else if let Some(n) = part.strip_suffix('m') {
            (n, 1)
        } else {
            (part, 1)
        };
        let v: i64 = num
            .trim()
            .parse()
            .map_err(|_| format!("`{part}` is not a lead time: use minutes, or 24h, 15m, 1d"))?;
        let m = v * mult;
        if !(1..=7 * 1440).contains(&m) {
            return Err(format!("`{part}`: lead times are 1 minute to 7 days"));
        }
        if !out.contains(&m) {
            out.push(m);
        }
    }
    if out.is_empty() || out.len() > 5 {
        return Err("Give 1 to 5 lead times, e.g. `24h, 15m`.".into());
    }
    out.sort_by(|a, b| b.cmp(a));
    Ok(out)
}

/// A reminder that is due: for occurrence `start`, `lead` minutes before (0: "starting now").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub occurrence: Occurrence,
    pub lead_minutes: i64,
}

/// Reminders of `series` due at `now` for the given lead times, plus "starting now". A reminder
/// whose time passed (the bot was down) is still due as long as the session has not started;
/// "starting now" stays due for a few minutes after the start.
pub fn due_reminders(series: &Series, leads: &[i64], now: DateTime<Utc>) -> Vec<Due> {
    let mut out = Vec::new();
    for occ in series.upcoming(now, 2) {
        for &lead in leads {
            let at = occ.start - Duration::minutes(lead);
            if at <= now && now < occ.start {
                out.push(Due {
                    occurrence: occ,
                    lead_minutes: lead,
                });
            }
        }
        if occ.start <= now && now < occ.start + Duration::minutes(STARTING_NOW_GRACE_MINUTES) {
            out.push(Due {
                occurrence: occ,
                lead_minutes: 0,
            });
        }
    }
    out
}

/// "in 1 day", "in 15 minutes", "in 3 hours".
pub fn lead_text(minutes: i64) -> String {
    match minutes {
        0 => "now".into(),
        m if m % 1440 == 0 => format!("in {} day{}", m / 1440, if m == 1440 { "" } else { "s" }),
        m if m % 60 == 0 => format!("in {} hour{}", m / 60, if m == 60 { "" } else { "s" }),
        m => format!("in {m} minutes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn series(p: &Plan) -> Series {
        Series {
            id: 1,
            guild: 1,
            topic: "t".into(),
            host: None,
            start_local: p.start_local,
            tz: p.tz,
            duration_minutes: p.duration_minutes,
            weekly: p.weekly,
            until: p.until,
            channel: None,
            channel_stage: false,
            cancelled: false,
        }
    }

    #[test]
    fn weekly_keeps_local_time_across_dst() {
        let now = utc("2026-03-10T00:00:00Z");
        let p = plan(
            "2026-03-19 17:00",
            "Europe/Berlin",
            60,
            true,
            Some("2026-04-09"),
            now,
        )
        .unwrap();
        let s = series(&p);
        let occ: Vec<_> = s.upcoming(now, 10).iter().map(|o| o.start).collect();
        assert_eq!(
            occ,
            vec![
                utc("2026-03-19T16:00:00Z"),
                utc("2026-03-26T16:00:00Z"),
                utc("2026-04-02T15:00:00Z"),
                utc("2026-04-09T15:00:00Z"),
            ]
        );
        // After the second one ended, the third is next.
        assert_eq!(
            s.next(utc("2026-03-26T17:00:00Z")).unwrap().start,
            utc("2026-04-02T15:00:00Z")
        );
        assert!(s.next(utc("2026-04-09T16:00:01Z")).is_none(), "series over");
    }

    #[test]
    fn validation() {
        let now = utc("2026-03-10T00:00:00Z");
        assert!(
            plan("2026-03-29 02:30", "Europe/Berlin", 60, false, None, now)
                .unwrap_err()
                .contains("does not exist")
        );
        assert!(
            plan("2026-03-01 10:00", "Europe/Berlin", 60, false, None, now)
                .unwrap_err()
                .contains("past")
        );
        assert!(
            plan("2026-03-20 10:00", "Europe/Berlin", 0, false, None, now)
                .unwrap_err()
                .contains("duration")
        );
        assert!(
            plan("2026-03-20 10:00", "Europe/Berlin", 481, false, None, now)
                .unwrap_err()
                .contains("duration")
        );
        assert!(
            plan("20.03.2026 10:00", "Europe/Berlin", 60, false, None, now)
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        assert!(plan("2026-03-20 10:00", "Mars/Base", 60, false, None, now).is_err());
        assert!(plan("2026-03-20 10:00", "UTC", 60, true, Some("2026-03-01"), now).is_err());
        assert!(plan("2026-03-20 10:00", "UTC", 480, false, None, now).is_ok());
    }

    #[test]
    fn reminders_due() {
        let now = utc("2026-03-10T00:00:00Z");
        let p = plan("2026-03-12 18:00", "UTC", 60, false, None, now).unwrap();
        let s = series(&p);
        assert!(due_reminders(&s, &DEFAULT_LEADS, utc("2026-03-11T17:59:00Z")).is_empty());
        let d = due_reminders(&s, &DEFAULT_LEADS, utc("2026-03-11T18:00:00Z"));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].lead_minutes, 1440);
        // Late (bot was down) but before the start: both leads are due.
        assert_eq!(
            due_reminders(&s, &DEFAULT_LEADS, utc("2026-03-12T17:50:00Z")).len(),
            2
        );
        // After the start: only "starting now", and only briefly.
        let d = due_reminders(&s, &DEFAULT_LEADS, utc("2026-03-12T18:05:00Z"));
        assert_eq!(
            d.iter().map(|d| d.lead_minutes).collect::<Vec<_>>(),
            vec![0]
        );
        assert!(due_reminders(&s, &DEFAULT_LEADS, utc("2026-03-12T18:30:00Z")).is_empty());
    }

    #[test]
    fn leads() {
        assert_eq!(parse_leads("24h, 15m").unwrap(), vec![1440, 15]);
        assert_eq!(parse_leads("90 1d").unwrap(), vec![1440, 90]);
        assert!(parse_leads("soon").is_err());
        assert!(parse_leads("").is_err());
        assert!(parse_leads("8d").is_err());
    }
}

//! Office hours as rules, without Discord: validating what a moderator asks for, the
//! occurrences of a one-off or weekly session in its own timezone (17:00 Berlin stays 17:00
//! Berlin across DST), reminder times, and an iCalendar export.

pub mod ics;

use crate::ids::{ChannelId, GuildId, UserId};
use crate::quiz::schedule::parse_tz;
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
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
    pub guild: GuildId,
    pub topic: String,
    pub host: Option<UserId>,
    /// Local wall-clock start of the first occurrence.
    pub start_local: NaiveDateTime,
    pub tz: Tz,
    pub duration_minutes: i64,
    pub weekly: bool,
    /// Last local date of a weekly series (inclusive).
    pub until: Option<NaiveDate>,
    pub channel: Option<ChannelId>,
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
    /// The UTC instant of a local wall-clock time; `None` when it cannot be represented.
    fn at(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        instant(self.tz, local)
    }

    /// Occurrences that have not ended at `now`, in order, at most `n`. All arithmetic is
    /// checked: a start near the end of chrono's range yields fewer occurrences, never a panic.
    pub fn upcoming(&self, now: DateTime<Utc>, n: usize) -> Vec<Occurrence> {
        let mut out = Vec::new();
        if self.cancelled || n == 0 {
            return out;
        }
        let mut local = self.start_local;
        // Skip whole weeks quickly.
        if self.weekly {
            if let Some(first) = self.at(local) {
                if now > first {
                    let weeks = (now - first).num_weeks() - 1;
                    if weeks > 0 {
                        match Duration::try_weeks(weeks).and_then(|w| local.checked_add_signed(w)) {
                            Some(l) => local = l,
                            None => return out,
                        }
                    }
                }
            }
        }
        for _ in 0..(n + 60) {
            if let Some(u) = self.until {
                if self.weekly && local.date() > u {
                    break;
                }
            }
            let Some(start) = self.at(local) else {
                break;
            };
            let Some(end) = Duration::try_minutes(self.duration_minutes)
                .and_then(|d| start.checked_add_signed(d))
            else {
                break;
            };
            if end > now {
                out.push(Occurrence { start, end });
                if out.len() >= n {
                    break;
                }
            }
            if !self.weekly {
                break;
            }
            match local.checked_add_signed(Duration::weeks(1)) {
                Some(l) => local = l,
                None => break,
            }
        }
        out
    }

    /// The next occurrence that has not ended.
    pub fn next(&self, now: DateTime<Utc>) -> Option<Occurrence> {
        self.upcoming(now, 1).into_iter().next()
    }

    /// Why this stored session cannot be run (a start outside the years Discord and the
    /// database can write), if so.
    pub fn problem(&self) -> Option<String> {
        let year = self.start_local.year();
        if !(2000..=9999).contains(&year) {
            return Some(format!(
                "session #{} starts in the year {year}, outside what can be scheduled",
                self.id
            ));
        }
        if let Some(u) = self.until.filter(|u| !(2000..=9999).contains(&u.year())) {
            return Some(format!(
                "session #{} repeats until {u}, outside what can be scheduled",
                self.id
            ));
        }
        if self.at(self.start_local).is_none() {
            return Some(format!(
                "session #{} has a start that cannot be placed in {}",
                self.id,
                self.tz.name()
            ));
        }
        None
    }
}

/// The UTC instant of `local` in `tz` (a time skipped by DST is read with the offset before
/// the gap, i.e. the same time "later"); `None` out of range. Never panics.
pub fn instant(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    use chrono::Offset;
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, _) => Some(a.with_timezone(&Utc)),
        LocalResult::None => {
            let before = local
                .checked_sub_signed(Duration::hours(3))
                .and_then(|b| tz.from_local_datetime(&b).earliest())
                .map(|t| t.offset().fix())
                .unwrap_or_else(|| Utc.fix());
            local
                .checked_sub_offset(before)
                .map(|n| Utc.from_utc_datetime(&n))
        }
    }
}

/// How far ahead sessions (and the `until` of a series) may be scheduled.
pub const MAX_AHEAD_MONTHS: u32 = 24;

/// The latest start a moderator may ask for at `now` (two years ahead).
pub fn latest_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_add_months(chrono::Months::new(MAX_AHEAD_MONTHS))
        .unwrap_or(now)
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
    if first_start <= now {
        return Err(format!("{start} {} is in the past.", tz.name()));
    }
    let latest = latest_start(now);
    if first_start > latest {
        return Err(format!(
            "`{start}` is more than 2 years ahead: office hours can be scheduled up to {} (UTC).",
            latest.format("%Y-%m-%d")
        ));
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
            if d > latest_start(now).date_naive() {
                return Err(format!(
                    "`until` {u} is more than 2 years ahead: a weekly series can run until {} at the latest.",
                    latest_start(now).format("%Y-%m-%d")
                ));
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

/// Reminders of `series` due at `now` for the given lead times, plus "starting now".
///
/// Per occurrence, at most one lead reminder is due: the one whose time passed last (the
/// shortest lead whose time is at or before `now`), while the session has not started. So after
/// downtime there is one catch-up, not one per missed lead. A lead whose time was already past
/// when the session was planned (created or moved, `planned_at`) is never due: a session
/// scheduled 2 minutes ahead gets no "in 15 minutes". "Starting now" stays due for a few
/// minutes after the start. All arithmetic is checked.
pub fn due_reminders(
    series: &Series,
    leads: &[i64],
    planned_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Vec<Due> {
    let mut out = Vec::new();
    for occ in series.upcoming(now, 2) {
        if now < occ.start {
            let best = leads
                .iter()
                .filter(|&&lead| lead > 0)
                .filter_map(|&lead| {
                    let at = Duration::try_minutes(lead)
                        .and_then(|d| occ.start.checked_sub_signed(d))?;
                    (at <= now && planned_at.is_none_or(|p| at >= p)).then_some(lead)
                })
                .min();
            if let Some(lead) = best {
                out.push(Due {
                    occurrence: occ,
                    lead_minutes: lead,
                });
            }
        }
        let grace_end = occ
            .start
            .checked_add_signed(Duration::minutes(STARTING_NOW_GRACE_MINUTES))
            .unwrap_or(occ.start);
        if occ.start <= now && now < grace_end {
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

fn plural(n: i64, unit: &str) -> String {
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// The real time left until `start`, in words: "in 4 minutes", "in 2 hours and 5 minutes",
/// "in 1 day", "in 1 day and 3 hours" (rounded up to the minute, so never "in 0 minutes").
pub fn left_text(start: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (start - now).num_seconds();
    if secs <= 0 {
        return "now".into();
    }
    let m = (secs + 59) / 60;
    let (d, h, mi) = (m / 1440, (m % 1440) / 60, m % 60);
    if d > 0 {
        if h > 0 {
            format!("in {} and {}", plural(d, "day"), plural(h, "hour"))
        } else {
            format!("in {}", plural(d, "day"))
        }
    } else if h > 0 {
        if mi > 0 {
            format!("in {} and {}", plural(h, "hour"), plural(mi, "minute"))
        } else {
            format!("in {}", plural(h, "hour"))
        }
    } else {
        format!("in {}", plural(mi, "minute"))
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
            guild: GuildId(1),
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
        let due = |t: &str| due_reminders(&s, &DEFAULT_LEADS, Some(now), utc(t));
        assert!(due("2026-03-11T17:59:00Z").is_empty());
        let d = due("2026-03-11T18:00:00Z");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].lead_minutes, 1440);
        // Late (bot was down) but before the start: one catch-up, the latest lead only.
        let d = due("2026-03-12T17:50:00Z");
        assert_eq!(
            d.iter().map(|d| d.lead_minutes).collect::<Vec<_>>(),
            vec![15]
        );
        // After the start: only "starting now", and only briefly.
        let d = due("2026-03-12T18:05:00Z");
        assert_eq!(
            d.iter().map(|d| d.lead_minutes).collect::<Vec<_>>(),
            vec![0]
        );
        assert!(due("2026-03-12T18:30:00Z").is_empty());
    }

    #[test]
    fn leads_already_past_when_planned_are_skipped() {
        // Scheduled 2 minutes ahead: neither "in 1 day" nor "in 15 minutes", only "starting now".
        let planned = utc("2026-03-12T17:58:00Z");
        let p = plan("2026-03-12 18:00", "UTC", 60, false, None, planned).unwrap();
        let s = series(&p);
        for t in ["2026-03-12T17:58:00Z", "2026-03-12T17:59:30Z"] {
            assert!(
                due_reminders(&s, &DEFAULT_LEADS, Some(planned), utc(t)).is_empty(),
                "{t}"
            );
        }
        let d = due_reminders(
            &s,
            &DEFAULT_LEADS,
            Some(planned),
            utc("2026-03-12T18:00:00Z"),
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].lead_minutes, 0);
        // Planned 3 hours ahead: the 15-minute lead is still due, the day one is not.
        let planned = utc("2026-03-12T15:00:00Z");
        let d = due_reminders(
            &s,
            &DEFAULT_LEADS,
            Some(planned),
            utc("2026-03-12T17:45:00Z"),
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].lead_minutes, 15);
        assert!(due_reminders(
            &s,
            &DEFAULT_LEADS,
            Some(planned),
            utc("2026-03-12T15:30:00Z")
        )
        .is_empty());
    }

    #[test]
    fn time_left_in_words() {
        let s = utc("2026-03-12T18:00:00Z");
        assert_eq!(left_text(s, utc("2026-03-12T17:56:00Z")), "in 4 minutes");
        assert_eq!(left_text(s, utc("2026-03-12T17:59:10Z")), "in 1 minute");
        assert_eq!(left_text(s, utc("2026-03-12T17:45:00Z")), "in 15 minutes");
        assert_eq!(
            left_text(s, utc("2026-03-12T15:55:00Z")),
            "in 2 hours and 5 minutes"
        );
        assert_eq!(left_text(s, utc("2026-03-11T18:00:00Z")), "in 1 day");
        assert_eq!(
            left_text(s, utc("2026-03-10T15:00:00Z")),
            "in 2 days and 3 hours"
        );
        assert_eq!(left_text(s, s), "now");
    }

    #[test]
    fn schedules_are_bounded_to_two_years() {
        let now = utc("2026-03-10T00:00:00Z");
        let e = plan("+262142-01-01 10:00", "UTC", 60, true, None, now).unwrap_err();
        assert!(e.contains("more than 2 years ahead"), "{e}");
        let e = plan("2028-03-11 10:00", "UTC", 60, false, None, now).unwrap_err();
        assert!(e.contains("more than 2 years ahead"), "{e}");
        assert!(plan("2028-03-09 10:00", "UTC", 60, false, None, now).is_ok());
        let e = plan(
            "2026-03-20 10:00",
            "UTC",
            60,
            true,
            Some("+262142-12-31"),
            now,
        )
        .unwrap_err();
        assert!(e.contains("2 years"), "{e}");
        let e = plan("2026-03-20 10:00", "UTC", 60, true, Some("2030-01-01"), now).unwrap_err();
        assert!(e.contains("2 years"), "{e}");
        assert!(plan("2026-03-20 10:00", "UTC", 60, true, Some("2028-03-01"), now).is_ok());
    }

    #[test]
    fn occurrences_near_the_end_of_time_do_not_panic() {
        // A stored row from before the bounds: weekly from the year 262142 (chrono's limit is
        // 262143). Reading it must not panic; it is reported as a problem.
        let mut s = series(
            &plan(
                "2026-03-20 10:00",
                "Europe/Berlin",
                60,
                true,
                None,
                utc("2026-03-10T00:00:00Z"),
            )
            .unwrap(),
        );
        s.start_local =
            NaiveDateTime::parse_from_str("+262142-12-20T10:00", "%Y-%m-%dT%H:%M").unwrap();
        for now in [
            utc("2026-03-10T00:00:00Z"),
            DateTime::<Utc>::MAX_UTC,
            DateTime::<Utc>::MIN_UTC,
        ] {
            let _ = s.upcoming(now, 5);
            let _ = due_reminders(&s, &[1440, 15, i64::MAX / 2], None, now);
        }
        assert!(s.problem().unwrap().contains("262142"));
        s.start_local = NaiveDateTime::MAX;
        let _ = s.upcoming(utc("2026-03-10T00:00:00Z"), 5);
        s.start_local = NaiveDateTime::MIN;
        let _ = s.upcoming(utc("2026-03-10T00:00:00Z"), 5);
        let _ = s.upcoming(DateTime::<Utc>::MAX_UTC, 5);
        s.duration_minutes = i64::MAX;
        let _ = s.upcoming(utc("2026-03-10T00:00:00Z"), 5);
    }

    #[test]
    fn leads() {
        assert_eq!(parse_leads("24h, 15m").unwrap(), vec![1440, 15]);
        assert_eq!(parse_leads("90 1d").unwrap(), vec![1440, 90]);
        assert!(parse_leads("soon").is_err());
        assert!(parse_leads("").is_err());
        assert!(parse_leads("8d").is_err());
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
            (DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp(),)
                .prop_map(|(t,)| DateTime::from_timestamp(t, 0).unwrap_or_default())
        }

        fn tz() -> impl Strategy<Value = Tz> {
            prop_oneof![
                Just(chrono_tz::UTC),
                Just(chrono_tz::Europe::Berlin),
                Just(chrono_tz::America::New_York),
                Just(chrono_tz::Australia::Lord_Howe),
                Just(chrono_tz::Pacific::Kiritimati),
            ]
        }

        proptest! {
            /// Occurrence and reminder arithmetic never panics, whatever is stored.
            #[test]
            fn occurrences_never_panic(
                start in any_instant(),
                now in any_instant(),
                until in proptest::option::of(any_instant()),
                tz in tz(),
                duration in any::<i64>(),
                weekly in any::<bool>(),
                leads in proptest::collection::vec(any::<i64>(), 0..4),
                planned in proptest::option::of(any_instant()),
                n in 0usize..5,
            ) {
                let s = Series {
                    id: 1,
                    guild: GuildId(1),
                    topic: "t".into(),
                    host: None,
                    start_local: start.naive_utc(),
                    tz,
                    duration_minutes: duration,
                    weekly,
                    until: until.map(|u| u.date_naive()),
                    channel: None,
                    channel_stage: false,
                    cancelled: false,
                };
                let occ = s.upcoming(now, n);
                prop_assert!(occ.len() <= n);
                for w in occ.windows(2) {
                    prop_assert!(w[0].start < w[1].start);
                }
                for d in due_reminders(&s, &leads, planned, now) {
                    let _ = left_text(d.occurrence.start, now);
                }
                let _ = s.problem();
            }

            /// Whatever a moderator types, validation answers (never panics), and an accepted
            /// plan is at most 2 years ahead.
            #[test]
            fn plan_never_panics(
                start in any::<String>(),
                date in any_instant(),
                tz in "[A-Za-z/_]{0,20}",
                duration in any::<i64>(),
                weekly in any::<bool>(),
                until in proptest::option::of(any::<String>()),
                now in any_instant(),
            ) {
                let typed = date.format("%Y-%m-%d %H:%M").to_string();
                for st in [start.as_str(), typed.as_str()] {
                    if let Ok(p) = plan(st, &tz, duration, weekly, until.as_deref(), now) {
                        prop_assert!(p.first_start > now && p.first_start <= latest_start(now));
                    }
                }
            }
        }
    }
}

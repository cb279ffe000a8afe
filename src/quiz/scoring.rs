//! Points, streaks, periods and spaced repetition.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};

/// Points for a correct daily-quiz answer.
pub const POINTS_CORRECT: i64 = 10;
/// Extra points per day of streak beyond the first, up to [`STREAK_BONUS_CAP`] days.
pub const STREAK_BONUS_PER_DAY: i64 = 2;
pub const STREAK_BONUS_CAP: i64 = 5;

/// A member's streak state in a guild.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Streak {
    pub current: i64,
    pub best: i64,
    /// The quiz date of the last correct answer.
    pub last_correct: Option<NaiveDate>,
}

/// Apply one daily-quiz result of `date` and return the new streak with the points earned.
/// A streak counts consecutive quiz days answered correctly: a correct answer the day after the
/// last one extends it, another correct answer the same day keeps it, a gap restarts it at 1,
/// and a wrong answer resets it to 0.
pub fn apply(s: Streak, date: NaiveDate, correct: bool) -> (Streak, i64) {
    if !correct {
        return (
            Streak {
                current: 0,
                best: s.best,
                last_correct: s.last_correct,
            },
            0,
        );
    }
    let current = match s.last_correct {
        Some(d) if d == date => s.current.max(1),
        Some(d) if d + Duration::days(1) == date => s.current + 1,
        _ => 1,
    };
    let bonus = STREAK_BONUS_PER_DAY * (current - 1).clamp(0, STREAK_BONUS_CAP);
    (
        Streak {
            current,
            best: s.best.max(current),
            last_correct: Some(date),
        },
        POINTS_CORRECT + bonus,
    )
}

/// The streak as it stands on `today`: it lapses when no correct answer came yesterday or today.
pub fn current_on(s: &Streak, today: NaiveDate) -> i64 {
    match s.last_correct {
        Some(d) if d + Duration::days(1) >= today => s.current,
        _ => 0,
    }
}

/// Leaderboard periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Week,
    Month,
    All,
}

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        match s.trim().to_lowercase().as_str() {
            "week" => Some(Period::Week),
            "month" => Some(Period::Month),
            "all" | "all-time" | "alltime" => Some(Period::All),
            _ => None,
        }
    }
    /// Start (UTC) of the period containing `now`: ISO week from Monday 00:00 UTC, calendar
    /// month, or the beginning of time.
    pub fn start(self, now: DateTime<Utc>) -> DateTime<Utc> {
        let d = now.date_naive();
        let day = match self {
            Period::Week => d - Duration::days(d.weekday().num_days_from_monday() as i64),
            Period::Month => d.with_day(1).unwrap_or(d),
            Period::All => return Utc.timestamp_opt(0, 0).unwrap(),
        };
        Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
    }
    pub fn label(self) -> &'static str {
        match self {
            Period::Week => "this week",
            Period::Month => "this month",
            Period::All => "all time",
        }
    }
}

/// Spaced repetition: after a wrong answer a question is due again at once (interval 0); after
/// a right one the interval doubles (1, 2, 4, … days, at most 60).
pub fn next_review(interval_days: i64, correct: bool, now: DateTime<Utc>) -> (i64, DateTime<Utc>) {
    if correct {
        let next = (interval_days * 2).clamp(1, 60);
        (next, now + Duration::days(next))
    } else {
        (0, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn streaks() {
        let s = Streak::default();
        let (s, p) = apply(s, d("2026-03-01"), true);
        assert_eq!((s.current, p), (1, 10));
        let (s, p) = apply(s, d("2026-03-02"), true);
        assert_eq!((s.current, p), (2, 12));
        let (s, p) = apply(s, d("2026-03-02"), true);
        assert_eq!((s.current, p), (2, 12), "same day, another channel");
        let (s, p) = apply(s, d("2026-03-03"), false);
        assert_eq!((s.current, s.best, p), (0, 2, 0));
        let (s, _) = apply(s, d("2026-03-05"), true);
        assert_eq!(s.current, 1);
        assert_eq!(current_on(&s, d("2026-03-06")), 1);
        assert_eq!(current_on(&s, d("2026-03-07")), 0);
        let mut s = Streak::default();
        let mut last = 0;
        for i in 1..=10 {
            let (n, p) = apply(s, d("2026-04-01") + Duration::days(i), true);
            s = n;
            last = p;
        }
        assert_eq!(last, 10 + 2 * 5, "bonus capped");
    }

    #[test]
    fn periods() {
        let now = Utc.with_ymd_and_hms(2026, 3, 19, 15, 0, 0).unwrap(); // a Thursday
        assert_eq!(
            Period::Week.start(now),
            Utc.with_ymd_and_hms(2026, 3, 16, 0, 0, 0).unwrap()
        );
        assert_eq!(
            Period::Month.start(now),
            Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
        );
        assert!(Period::parse("nope").is_none());
    }

    #[test]
    fn review_intervals() {
        let now = Utc.with_ymd_and_hms(2026, 3, 19, 15, 0, 0).unwrap();
        assert_eq!(next_review(0, false, now), (0, now));
        assert_eq!(next_review(0, true, now).0, 1);
        assert_eq!(next_review(4, true, now).0, 8);
        assert_eq!(next_review(50, true, now).0, 60);
    }
}

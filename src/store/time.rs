//! Timestamps in SQLite: fixed-width UTC text, so that string order is time order.
//!
//! Reading one back is fallible: a corrupt value is an error that names the table, column and
//! row, never a silent 1970 (which would make a quiz close or a reminder fire at once).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Column, Row};

pub fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A stored timestamp that is not RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable timestamp {value:?}{}", where_.as_deref().map(|w| format!(" in {w}")).unwrap_or_default())]
pub struct BadTimestamp {
    /// The text found (cut to 64 characters).
    pub value: String,
    /// Where it was found, e.g. `quizzes.closes_at of row 12`.
    pub where_: Option<String>,
}

/// Parse a timestamp written by [`ts`] (any RFC 3339 text is accepted).
pub fn parse_ts(s: &str) -> Result<DateTime<Utc>, BadTimestamp> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| BadTimestamp {
            value: s.chars().take(64).collect(),
            where_: None,
        })
}

/// Column `col` of `r` (a row of `table` whose column 0 is its id) as a timestamp. A corrupt
/// value is a [`sqlx::Error::ColumnDecode`] naming the table, column and row.
pub fn row_ts(r: &SqliteRow, table: &str, col: usize) -> sqlx::Result<DateTime<Utc>> {
    let text: String = r.try_get(col)?;
    parse_ts(&text).map_err(|e| located(r, table, col, e))
}

/// Like [`row_ts`] for a nullable column.
pub fn row_ts_opt(r: &SqliteRow, table: &str, col: usize) -> sqlx::Result<Option<DateTime<Utc>>> {
    let text: Option<String> = r.try_get(col)?;
    text.map(|t| parse_ts(&t).map_err(|e| located(r, table, col, e)))
        .transpose()
}

fn located(r: &SqliteRow, table: &str, col: usize, mut e: BadTimestamp) -> sqlx::Error {
    let column = r.columns().get(col).map(|c| c.name().to_string());
    let row = r
        .try_get::<i64, _>(0)
        .map(|id| format!(" of row {id}"))
        .unwrap_or_default();
    let column_name = column.unwrap_or_else(|| col.to_string());
    e.where_ = Some(format!("{table}.{column_name}{row}"));
    sqlx::Error::ColumnDecode {
        index: column_name,
        source: Box::new(e),
    }
}

pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Column `col` of `r` (a row of `table` whose column 0 is its id) as a `YYYY-MM-DD` date; a
/// corrupt value is an error naming the table, column and row.
pub fn row_date(r: &SqliteRow, table: &str, col: usize) -> sqlx::Result<NaiveDate> {
    let text: String = r.try_get(col)?;
    parse_date(&text).ok_or_else(|| {
        located(
            r,
            table,
            col,
            BadTimestamp {
                value: text.chars().take(64).collect(),
                where_: None,
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_corrupt_timestamp_is_an_error_never_1970() {
        let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 20, 9, 0, 0).unwrap();
        assert_eq!(parse_ts(&ts(t)), Ok(t));
        for bad in ["", "garbage", "2026-13-01T00:00:00.000Z", "1970"] {
            let e = parse_ts(bad).unwrap_err();
            assert_eq!(e.value, bad);
        }
    }

    #[tokio::test]
    async fn a_corrupt_row_names_table_column_and_row() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT, maybe TEXT)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO t VALUES (7, 'not a time', NULL), (8, '2026-03-20T09:00:00.000Z', 'x')",
        )
        .execute(&pool)
        .await
        .unwrap();
        let rows = sqlx::query("SELECT id, at, maybe FROM t ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
        let e = row_ts(&rows[0], "t", 1).unwrap_err().to_string();
        assert!(
            e.contains("t.at of row 7") && e.contains("not a time"),
            "{e}"
        );
        assert_eq!(row_ts_opt(&rows[0], "t", 2).unwrap(), None);
        assert!(row_ts(&rows[1], "t", 1).is_ok());
        let e = row_ts_opt(&rows[1], "t", 2).unwrap_err().to_string();
        assert!(e.contains("t.maybe of row 8"), "{e}");
    }

    proptest! {
        #[test]
        fn parsing_any_text_never_panics(s in any::<String>()) {
            let _ = parse_ts(&s);
            let _ = parse_date(&s);
        }

        #[test]
        fn written_timestamps_read_back(secs in -62_135_596_800i64..253_402_300_799, ms in 0u32..1000) {
            let t = DateTime::from_timestamp(secs, ms * 1_000_000).unwrap();
            prop_assert_eq!(parse_ts(&ts(t)), Ok(t));
        }
    }
}

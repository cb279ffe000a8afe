//! Timestamps and dates in the database.
//!
//! SQLite keeps them as fixed-width UTC text (`2026-03-20T09:00:00.000Z`, so that string order is
//! time order, the format every existing database has); PostgreSQL as `TIMESTAMPTZ` and `DATE`.
//! [`Ts`] and [`Day`] are what store functions bind and decode on both backends. Both keep
//! milliseconds (the SQLite text's precision), so a value reads back equal on either backend.
//!
//! Reading a corrupt SQLite value back is an error that names the table and column (and the row,
//! where the query knows it, see [`locate`]), never a silent 1970 (which would make a quiz
//! close or a reminder fire at once).

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};

/// The SQLite text of a timestamp.
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

impl BadTimestamp {
    fn of(s: &str) -> Self {
        BadTimestamp {
            value: s.chars().take(64).collect(),
            where_: None,
        }
    }
}

/// Parse a timestamp written by [`ts`] (any RFC 3339 text is accepted).
pub fn parse_ts(s: &str) -> Result<DateTime<Utc>, BadTimestamp> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| BadTimestamp::of(s))
}

pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A point in time as stored: UTC text on SQLite, `TIMESTAMPTZ` on PostgreSQL, to the
/// millisecond on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ts(pub DateTime<Utc>);

impl Ts {
    pub fn at(t: DateTime<Utc>) -> Self {
        Ts(t.trunc_subsecs(3))
    }
}

impl From<DateTime<Utc>> for Ts {
    fn from(t: DateTime<Utc>) -> Self {
        Ts::at(t)
    }
}

impl From<Ts> for DateTime<Utc> {
    fn from(t: Ts) -> Self {
        t.0
    }
}

impl Type<Sqlite> for Ts {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty) || <DateTime<Utc> as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Ts {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        <String as Encode<Sqlite>>::encode(ts(self.0), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Ts {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Sqlite>>::decode(value)?;
        Ok(Ts(parse_ts(text)?))
    }
}

impl Type<Postgres> for Ts {
    fn type_info() -> PgTypeInfo {
        <DateTime<Utc> as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <DateTime<Utc> as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for Ts {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <DateTime<Utc> as Encode<Postgres>>::encode_by_ref(&self.0.trunc_subsecs(3), buf)
    }
}

impl<'r> Decode<'r, Postgres> for Ts {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Ts(<DateTime<Utc> as Decode<Postgres>>::decode(value)?))
    }
}

/// A calendar date as stored: `YYYY-MM-DD` text on SQLite, `DATE` on PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub NaiveDate);

impl From<NaiveDate> for Day {
    fn from(d: NaiveDate) -> Self {
        Day(d)
    }
}

impl From<Day> for NaiveDate {
    fn from(d: Day) -> Self {
        d.0
    }
}

impl Type<Sqlite> for Day {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty) || <NaiveDate as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Day {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        <String as Encode<Sqlite>>::encode(date(self.0), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Day {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Sqlite>>::decode(value)?;
        Ok(Day(parse_date(text).ok_or_else(|| BadTimestamp::of(text))?))
    }
}

impl Type<Postgres> for Day {
    fn type_info() -> PgTypeInfo {
        <NaiveDate as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <NaiveDate as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for Day {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <NaiveDate as Encode<Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Day {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Day(<NaiveDate as Decode<Postgres>>::decode(value)?))
    }
}

/// Add where a corrupt stored timestamp or date was found to a decode error:
/// `table.column of row id`. Other errors pass through unchanged.
pub fn locate(e: sqlx::Error, table: &str, id: Option<i64>) -> sqlx::Error {
    match e {
        sqlx::Error::ColumnDecode { index, source } => match source.downcast::<BadTimestamp>() {
            Ok(mut bad) => {
                let column = index.trim_matches('"').to_string();
                let row = id.map(|id| format!(" of row {id}")).unwrap_or_default();
                bad.where_ = Some(format!("{table}.{column}{row}"));
                sqlx::Error::ColumnDecode {
                    index: column,
                    source: bad,
                }
            }
            Err(source) => sqlx::Error::ColumnDecode { index, source },
        },
        other => other,
    }
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

    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        at: Ts,
        maybe: Option<Ts>,
    }

    #[tokio::test]
    async fn a_corrupt_row_names_table_column_and_row() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT, maybe TEXT)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO t VALUES (7, 'not a time', NULL), (8, '2026-03-20T09:00:00.000Z', 'x'), (9, '2026-03-20T09:00:00.250Z', NULL)",
        )
        .execute(&pool)
        .await
        .unwrap();
        let get = |id: i64| {
            let pool = pool.clone();
            async move {
                sqlx::query_as::<_, Row>("SELECT id, at, maybe FROM t WHERE id = $1")
                    .bind(id)
                    .fetch_one(&pool)
                    .await
                    .map_err(|e| locate(e, "t", Some(id)))
            }
        };
        let e = get(7).await.err().unwrap().to_string();
        assert!(
            e.contains("t.at of row 7") && e.contains("not a time"),
            "{e}"
        );
        let e = get(8).await.err().unwrap().to_string();
        assert!(e.contains("t.maybe of row 8"), "{e}");
        let r = get(9).await.unwrap();
        assert_eq!((r.id, r.maybe), (9, None));
        assert_eq!(ts(r.at.0), "2026-03-20T09:00:00.250Z");
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

//! `coursebot migrate --from sqlite://… --to postgres://…`: move a community to PostgreSQL
//! without losing a score.
//!
//! Every table of the source is copied into the destination's table of the same name (the
//! destination's own migrations create it). The copy is idempotent: rows go in with
//! `ON CONFLICT DO NOTHING`, so a second run (after an interruption, or just to be sure) adds
//! only what is missing; it is verified by row counts, table by table. Columns are read from
//! SQLite as text and cast by PostgreSQL to the destination column's type, so timestamps
//! (SQLite's fixed-width UTC text) become `timestamptz`, 0/1 become `boolean`, and so on; a value
//! that does not cast is an error that names the table and column. Tables are filled parents
//! first (foreign keys), and serial/identity sequences are moved past the copied ids so that
//! the bot's next insert on PostgreSQL does not collide.

use anyhow::{bail, Context, Result};
use sqlx::{AssertSqlSafe, PgPool, Row, SqlitePool};
use std::collections::{BTreeMap, BTreeSet};

/// Rows per multi-row INSERT (PostgreSQL allows 65,535 parameters per statement).
const CHUNK_PARAMS: usize = 30_000;

/// One table's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    pub table: String,
    pub source_rows: i64,
    /// Rows this run inserted (0 on a repeated run).
    pub inserted: u64,
    pub destination_rows: i64,
}

/// Copy every table of `src` into `dst` (both already migrated) and verify the counts.
pub async fn sqlite_to_postgres(src: &SqlitePool, dst: &PgPool) -> Result<Vec<TableCopy>> {
    let source_tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(src)
    .await
    .context("listing the source tables")?;
    let dest = destination_columns(dst).await?;
    let missing: Vec<&String> = source_tables
        .iter()
        .filter(|t| !dest.contains_key(*t))
        .collect();
    if !missing.is_empty() {
        bail!(
            "the destination has no table {}: is it migrated by this version of coursebot?",
            join(&missing)
        );
    }
    let order = parents_first(dst, &source_tables).await?;
    let mut report = Vec::new();
    let mut tx = dst.begin().await.context("starting the copy transaction")?;
    for table in &order {
        let src_cols = sqlite_columns(src, table).await?;
        let dst_cols = &dest[table];
        let unknown: Vec<&String> = src_cols
            .iter()
            .filter(|c| !dst_cols.contains_key(*c))
            .collect();
        if !unknown.is_empty() {
            bail!(
                "{table}: the destination has no column {} (different schema versions?)",
                join(&unknown)
            );
        }
        let select = format!(
            "SELECT {} FROM {}",
            src_cols
                .iter()
                .map(|c| format!("CAST({} AS TEXT)", ident(c)))
                .collect::<Vec<_>>()
                .join(", "),
            ident(table)
        );
        let rows = sqlx::query(AssertSqlSafe(select))
            .fetch_all(src)
            .await
            .with_context(|| format!("reading {table}"))?;
        let source_rows = rows.len() as i64;
        let per_chunk = (CHUNK_PARAMS / src_cols.len().max(1)).max(1);
        let mut inserted = 0u64;
        for chunk in rows.chunks(per_chunk) {
            let mut sql = format!(
                "INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE VALUES ",
                ident(table),
                src_cols
                    .iter()
                    .map(|c| ident(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut n = 0;
            for (i, _) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for (j, c) in src_cols.iter().enumerate() {
                    if j > 0 {
                        sql.push_str(", ");
                    }
                    n += 1;
                    sql.push_str(&format!("CAST(${n} AS {})", dst_cols[c]));
                }
                sql.push(')');
            }
            sql.push_str(" ON CONFLICT DO NOTHING");
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in chunk {
                for j in 0..src_cols.len() {
                    let v: Option<String> = r.try_get(j)?;
                    q = q.bind(v);
                }
            }
            let done = q
                .execute(&mut *tx)
                .await
                .with_context(|| format!("writing {table} (columns {})", src_cols.join(", ")))?;
            inserted += done.rows_affected();
        }
        report.push(TableCopy {
            table: table.clone(),
            source_rows,
            inserted,
            destination_rows: 0,
        });
    }
    advance_sequences(&mut tx, &order).await?;
    tx.commit().await.context("committing the copy")?;

    let mut wrong = Vec::new();
    for t in &mut report {
        let sql = format!("SELECT COUNT(*) FROM {}", ident(&t.table));
        t.destination_rows = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(dst)
            .await
            .with_context(|| format!("counting {} in the destination", t.table))?;
        if t.destination_rows != t.source_rows {
            wrong.push(format!(
                "{}: {} rows in the source, {} in the destination",
                t.table, t.source_rows, t.destination_rows
            ));
        }
    }
    if !wrong.is_empty() {
        bail!(
            "row counts differ after the copy (was the destination already in use?):\n  {}",
            wrong.join("\n  ")
        );
    }
    Ok(report)
}

/// table → column → PostgreSQL type name (as `CAST(… AS <type>)` accepts it).
async fn destination_columns(dst: &PgPool) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
    let rows = sqlx::query(
        "SELECT c.table_name::text, c.column_name::text, format_type(a.atttypid, a.atttypmod)
         FROM information_schema.columns c
         JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass
              AND a.attname = c.column_name
         WHERE c.table_schema = current_schema()",
    )
    .fetch_all(dst)
    .await
    .context("reading the destination schema")?;
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for r in rows {
        let (t, c, ty): (String, String, String) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        out.entry(t).or_default().insert(c, ty);
    }
    Ok(out)
}

async fn sqlite_columns(src: &SqlitePool, table: &str) -> Result<Vec<String>> {
    let sql = format!(
        "SELECT name FROM pragma_table_info('{}')",
        table.replace('\'', "''")
    );
    let cols: Vec<String> = sqlx::query_scalar(AssertSqlSafe(sql))
        .fetch_all(src)
        .await
        .with_context(|| format!("reading the columns of {table}"))?;
    if cols.is_empty() {
        bail!("{table}: no columns found in the source");
    }
    Ok(cols)
}

/// `tables` ordered so that a table comes after every table its foreign keys point to.
async fn parents_first(dst: &PgPool, tables: &[String]) -> Result<Vec<String>> {
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT child.relname::text, parent.relname::text
         FROM pg_constraint k
         JOIN pg_class child ON child.oid = k.conrelid
         JOIN pg_class parent ON parent.oid = k.confrelid
         JOIN pg_namespace n ON n.oid = child.relnamespace
         WHERE k.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(dst)
    .await
    .context("reading the destination's foreign keys")?;
    let wanted: BTreeSet<&str> = tables.iter().map(String::as_str).collect();
    let mut parents: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (child, parent) in &edges {
        if child != parent && wanted.contains(child.as_str()) && wanted.contains(parent.as_str()) {
            parents.entry(child).or_default().insert(parent);
        }
    }
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::new();
    while order.len() < tables.len() {
        let before = order.len();
        for t in tables {
            if !done.contains(t.as_str())
                && parents
                    .get(t.as_str())
                    .is_none_or(|ps| ps.iter().all(|p| done.contains(p)))
            {
                done.insert(t);
                order.push(t.clone());
            }
        }
        if order.len() == before {
            bail!("the destination's foreign keys form a cycle; cannot order the copy");
        }
    }
    Ok(order)
}

/// Move every serial/identity sequence of `tables` past the largest copied value.
async fn advance_sequences(tx: &mut sqlx::PgConnection, tables: &[String]) -> Result<()> {
    for table in tables {
        let cols: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1
               AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')",
        )
        .bind(table)
        .fetch_all(&mut *tx)
        .await?;
        for col in cols {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX({c}), 0) + 1, false) FROM {t}",
                c = ident(&col),
                t = ident(table)
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(ident(table))
                .bind(&col)
                .execute(&mut *tx)
                .await
                .with_context(|| format!("moving the sequence of {table}.{col}"))?;
        }
    }
    Ok(())
}

/// A quoted SQL identifier (valid for both SQLite and PostgreSQL).
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The report printed by the command.
pub fn render(report: &[TableCopy]) -> String {
    let mut s = String::new();
    let (mut rows, mut new) = (0i64, 0u64);
    for t in report {
        s.push_str(&format!(
            "{:<28} {:>8} rows  ({} copied now)\n",
            t.table, t.destination_rows, t.inserted
        ));
        rows += t.destination_rows;
        new += t.inserted;
    }
    s.push_str(&format!(
        "ok: {} tables, {rows} rows, row counts equal ({new} copied by this run)\n",
        report.len()
    ));
    s
}

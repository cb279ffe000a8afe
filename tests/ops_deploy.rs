//! The deployment files as far as this machine can check them: the systemd unit with
//! `systemd-analyze verify` (skipped with a notice where it is not installed), the Dockerfile's
//! structure (no image is built: no network for base images in tests), and the alert rules and
//! dashboard, which may only name metrics the bot exports.

use coursebot::ops::metrics::ALL;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(p: &str) -> String {
    std::fs::read_to_string(root().join(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// The `coursebot_*` metric names an expression refers to, histogram series folded into
/// their metric.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let bytes = expr.as_bytes();
    let mut i = 0;
    while let Some(pos) = expr[i..].find("coursebot_") {
        let start = i + pos;
        let before_ok =
            start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        if before_ok {
            let mut name = expr[start..end].to_string();
            for suffix in ["_bucket", "_sum", "_count"] {
                if let Some(base) = name.strip_suffix(suffix) {
                    if ALL.contains(&base) {
                        name = base.to_string();
                    }
                }
            }
            out.insert(name);
        }
        i = end.max(start + 1);
    }
    out
}

#[test]
fn alert_rules_parse_and_name_only_exported_metrics() {
    let y: serde_json::Value = serde_yaml_ng::from_str(&read("deploy/alerts.yml")).unwrap();
    let groups = y["groups"].as_array().expect("groups");
    let mut used = BTreeSet::new();
    let mut alerts = 0;
    for g in groups {
        for r in g["rules"].as_array().expect("rules") {
            let name = r["alert"].as_str().expect("alert name");
            let expr = r["expr"].as_str().expect("expr");
            assert!(
                r["labels"]["severity"].is_string(),
                "{name}: severity label"
            );
            assert!(r["annotations"]["summary"].is_string(), "{name}: summary");
            if let Some(f) = r.get("for") {
                let f = f.as_str().unwrap();
                assert!(
                    f.ends_with('m') || f.ends_with('s') || f.ends_with('h'),
                    "{name}: for {f}"
                );
            }
            used.extend(metric_names(expr));
            alerts += 1;
        }
    }
    assert!(alerts >= 8, "{alerts} rules");
    for n in &used {
        assert!(
            ALL.contains(&n.as_str()),
            "alerts.yml names {n}, which the bot does not export"
        );
    }
    for key in [
        "coursebot_gateway_connected",
        "coursebot_interactions_total",
        "coursebot_jobs_total",
        "coursebot_content_reloads_total",
    ] {
        assert!(used.contains(key), "no alert on {key}");
    }
}

#[test]
fn dashboard_is_grafana_json_over_exported_metrics() {
    let d: serde_json::Value =
        serde_json::from_str(&read("deploy/grafana-dashboard.json")).unwrap();
    assert_eq!(d["uid"], "coursebot");
    let panels = d["panels"].as_array().unwrap();
    let mut used = BTreeSet::new();
    for p in panels {
        for t in p["targets"].as_array().unwrap() {
            used.extend(metric_names(t["expr"].as_str().unwrap()));
        }
    }
    for n in &used {
        assert!(
            ALL.contains(&n.as_str()),
            "the dashboard names {n}, which the bot does not export"
        );
    }
    // Every exported metric is on the dashboard.
    for n in ALL {
        assert!(used.contains(*n), "{n} is not on the dashboard");
    }
}

#[test]
fn systemd_unit_verifies_and_is_hardened() {
    let unit = read("deploy/coursebot.service");
    for needed in [
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/coursebot",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "ExecStart=/usr/local/bin/coursebot run",
        "COURSEBOT_METRICS_ADDR=",
        "User=coursebot",
    ] {
        assert!(unit.contains(needed), "the unit lacks {needed}");
    }
    assert!(!unit.contains("DISCORD_TOKEN="), "no token in the unit");
    let Ok(out) = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
    else {
        eprintln!("skipped: systemd-analyze is not installed; the unit was only read");
        return;
    };
    assert!(out.status.success());
    // verify checks that ExecStart exists: point it at the binary just built.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("coursebot.service");
    std::fs::write(
        &f,
        unit.replace("/usr/local/bin/coursebot", env!("CARGO_BIN_EXE_coursebot")),
    )
    .unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&f)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Unknown keys are only warnings (exit 0): any output is a problem.
    let problems: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("coursebot.service"))
        .collect();
    assert!(
        out.status.success() && problems.is_empty(),
        "systemd-analyze verify: {said}"
    );
}

#[test]
fn dockerfile_is_multi_stage_non_root_with_healthcheck_and_volume() {
    let d = read("Dockerfile");
    let lines: Vec<&str> = d
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let from: Vec<&&str> = lines.iter().filter(|l| l.starts_with("FROM ")).collect();
    assert!(from.len() >= 2, "multi-stage: {from:?}");
    assert!(
        from.iter()
            .all(|l| !l.contains(":latest") && l.contains(':')),
        "pinned base images: {from:?}"
    );
    let runtime_at = lines.iter().rposition(|l| l.starts_with("FROM ")).unwrap();
    let runtime = &lines[runtime_at..];
    let user = runtime
        .iter()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER in the runtime stage");
    assert!(
        !user.starts_with("root") && !user.starts_with("0"),
        "non-root: {user}"
    );
    assert!(runtime
        .iter()
        .any(|l| l.starts_with("VOLUME") && l.contains("/data")));
    assert!(runtime
        .iter()
        .any(|l| l.starts_with("COPY") && l.contains("content")));
    let hc = runtime
        .iter()
        .position(|l| l.starts_with("HEALTHCHECK"))
        .expect("HEALTHCHECK");
    assert!(
        runtime[hc..]
            .iter()
            .take(2)
            .any(|l| l.contains("healthcheck")),
        "the HEALTHCHECK calls `coursebot healthcheck`"
    );
    assert!(runtime
        .iter()
        .any(|l| l.contains("COURSEBOT_METRICS_ADDR=")));
    assert!(runtime
        .iter()
        .any(|l| l.contains("DATABASE_URL=sqlite:///data/")));
    assert!(runtime
        .iter()
        .any(|l| l.contains("COURSEBOT_INDEX_DIR=/data/")));
    // Every file the build copies exists and is not excluded by .dockerignore.
    let ignore = read(".dockerignore");
    let ignored: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.trim_end_matches('/'))
        .collect();
    for l in &lines {
        let Some(rest) = l.strip_prefix("COPY ") else {
            continue;
        };
        if rest.contains("--from=") {
            continue;
        }
        let parts: Vec<&str> = rest
            .split_whitespace()
            .filter(|p| !p.starts_with("--"))
            .collect();
        for src in &parts[..parts.len() - 1] {
            assert!(root().join(src).exists(), "COPY {src}: missing");
            assert!(!ignored.contains(src), "COPY {src} is in .dockerignore");
        }
    }
    for must in ["target", ".git", "*.db", "index"] {
        assert!(ignored.contains(&must), ".dockerignore lacks {must}");
    }
    // The healthcheck subcommand exists in the binary the image runs.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coursebot"))
        .args(["healthcheck", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    // A packaged Dockerfile linter, when there is one.
    if let Ok(out) = std::process::Command::new("hadolint")
        .arg(root().join("Dockerfile"))
        .output()
    {
        assert!(
            out.status.success(),
            "hadolint: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    } else {
        eprintln!("skipped: hadolint is not installed; the Dockerfile's structure was checked");
    }
}

#[test]
fn metric_names_follow_prometheus_conventions() {
    for n in ALL {
        assert!(n.starts_with("coursebot_"), "{n}");
        assert!(
            n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{n}"
        );
    }
    assert_eq!(
        metric_names("rate(coursebot_job_lag_seconds_bucket[5m])").len(),
        1
    );
    let _ = Path::new("");
}

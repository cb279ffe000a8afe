//! deploy/docker-compose.yml: the shard processes cover every shard exactly once, with one
//! total, on PostgreSQL, after the one-shot command registration (docs/DEPLOYMENT.md).

use coursebot::config::ShardPlan;
use serde_yaml_ng::Value;

fn compose() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/docker-compose.yml");
    let mut v: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v.apply_merge().unwrap(); // `<<: *coursebot`
    v
}

fn command(service: &Value) -> Vec<String> {
    service["command"]
        .as_sequence()
        .map(|s| s.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn flag<'a>(cmd: &'a [String], name: &str) -> Option<&'a str> {
    cmd.iter()
        .position(|a| a == name)
        .and_then(|i| cmd.get(i + 1))
        .map(String::as_str)
}

#[test]
fn shard_processes_cover_every_shard_once_with_one_total() {
    let doc = compose();
    let services = doc["services"].as_mapping().unwrap();
    let mut totals = Vec::new();
    let mut covered: Vec<u32> = Vec::new();
    let mut runners = 0;
    for (name, svc) in services {
        let name = name.as_str().unwrap();
        let cmd = command(svc);
        if cmd.first().map(String::as_str) != Some("run") {
            continue;
        }
        runners += 1;
        // Parsed by the bot's own parser: what it would refuse, this test refuses.
        let plan = ShardPlan::from_parts(
            flag(&cmd, "--shards"),
            flag(&cmd, "--shard-total").map(|t| t.parse().unwrap()),
            "--shards",
        )
        .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        let ShardPlan::Range { first, last, total } = plan else {
            panic!("{name}: several processes need explicit --shards/--shard-total");
        };
        totals.push(total);
        covered.extend(first..=last);
        // Merged anchors: every runner has the database and waits for the registration.
        let url = svc["environment"]["DATABASE_URL"]
            .as_str()
            .unwrap_or_default();
        assert!(url.starts_with("postgres://"), "{name}: DATABASE_URL {url}");
        assert_eq!(
            svc["depends_on"]["register"]["condition"].as_str(),
            Some("service_completed_successfully"),
            "{name} must start after register-commands"
        );
    }
    assert!(runners >= 2, "the compose file shows several processes");
    totals.dedup();
    assert_eq!(totals.len(), 1, "one --shard-total everywhere: {totals:?}");
    covered.sort();
    assert_eq!(
        covered,
        (0..totals[0]).collect::<Vec<_>>(),
        "each shard exactly once"
    );
    assert_eq!(
        command(&doc["services"]["register"]),
        vec!["register-commands".to_string()]
    );
}

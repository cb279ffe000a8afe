//! Which question comes next in a channel: a fixed shuffle of the pool per cycle, so questions
//! do not repeat until the pool is used up, and every cycle has a different order.

/// A deterministic shuffle of `pool` for `(seed, cycle)`.
pub fn cycle_order(pool: &[String], seed: u64, cycle: i64) -> Vec<String> {
    let mut order: Vec<String> = pool.to_vec();
    order.sort();
    let mut h = seed ^ (cycle as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for i in (1..order.len()).rev() {
        h = h
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = (h >> 33) as usize % (i + 1);
        order.swap(i, j);
    }
    order
}

/// The next question and the cycle it belongs to: the first of this cycle's order not yet
/// asked in it; when the pool is used up, the first of the next cycle. `None` for an empty pool.
pub fn next_question(
    pool: &[String],
    seed: u64,
    cycle: i64,
    asked_this_cycle: &[String],
) -> Option<(String, i64)> {
    if pool.is_empty() {
        return None;
    }
    if let Some(q) = cycle_order(pool, seed, cycle)
        .into_iter()
        .find(|q| !asked_this_cycle.contains(q))
    {
        return Some((q, cycle));
    }
    let next = cycle + 1;
    cycle_order(pool, seed, next)
        .into_iter()
        .next()
        .map(|q| (q, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_repeat_until_pool_is_used_up() {
        let pool: Vec<String> = (0..7).map(|i| format!("q{i}")).collect();
        let mut asked: Vec<String> = Vec::new();
        let mut cycle = 0;
        let mut seen_cycles = Vec::new();
        for _ in 0..14 {
            let (q, c) = next_question(&pool, 42, cycle, &asked).unwrap();
            if c != cycle {
                assert_eq!(asked.len(), 7, "a new cycle only when the pool is used up");
                asked.clear();
                cycle = c;
            }
            assert!(!asked.contains(&q));
            asked.push(q);
            seen_cycles.push(c);
        }
        assert_eq!(seen_cycles.iter().filter(|c| **c == 0).count(), 7);
        assert!(next_question(&[], 1, 0, &[]).is_none());
    }
}

//! Small, stable, dependency-free hashing: the same output on every build and platform (unlike
//! std's `DefaultHasher`), for what must not change across restarts: the content hash that names
//! the search index, and the seeds of presentation shuffles.

/// FNV-1a's 64-bit offset basis: the state before any byte.
pub const FNV1A_START: u64 = 0xcbf2_9ce4_8422_2325;

/// Continue an FNV-1a (64-bit) hash from state `h` with `bytes`; start from [`FNV1A_START`].
pub fn fnv1a_extend(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// FNV-1a, 64 bits, of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_extend(FNV1A_START, bytes)
}

/// SplitMix64: a small, well-mixed generator; advances `state` and returns the next value.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

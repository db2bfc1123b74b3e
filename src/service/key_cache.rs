//! API keys recently found valid, so a burst of requests from an owner's backend does not look
//! its key up in the database on every request.
//!
//! Only keys the store confirmed are kept (an unknown key is never cached, so guessing cannot
//! fill it), each for at most [`KEY_CACHE_TTL`]. Revoking through this process drops the key
//! at once; a revocation by another process (`portico api-keys revoke`, another node) takes
//! effect here within the TTL.

use chrono::{DateTime, TimeDelta, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

use crate::domain::account::ApiKey;

/// How long a confirmed key is trusted without asking the database again, by the service's
/// clock.
pub const KEY_CACHE_TTL: TimeDelta = TimeDelta::seconds(2);

/// Entries at most; past it, expired entries go first, then everything.
const CAPACITY: usize = 4096;

/// Keys by the SHA-256 of the presented secret.
#[derive(Default)]
pub struct KeyCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Vec<u8>, (ApiKey, DateTime<Utc>)>,
    /// Bumped by every `forget`, so a lookup that began before a revocation cannot put the
    /// revoked key back.
    generation: u64,
}

impl KeyCache {
    /// The key with this hash, if it was confirmed less than the TTL ago.
    pub fn get(&self, key_hash: &[u8], now: DateTime<Utc>) -> Option<ApiKey> {
        let inner = self.inner.lock().expect("not poisoned");
        let (key, confirmed) = inner.entries.get(key_hash)?;
        fresh(*confirmed, now).then(|| key.clone())
    }

    /// Where the cache stands; take it before asking the store, and give it to `insert`.
    pub fn generation(&self) -> u64 {
        self.inner.lock().expect("not poisoned").generation
    }

    /// Remembers a key the store just confirmed, unless a key was forgotten since
    /// `generation` was taken (the confirmation may predate that revocation).
    pub fn insert(&self, key_hash: Vec<u8>, key: ApiKey, now: DateTime<Utc>, generation: u64) {
        let mut inner = self.inner.lock().expect("not poisoned");
        if inner.generation != generation {
            return;
        }
        if inner.entries.len() >= CAPACITY {
            inner
                .entries
                .retain(|_, (_, confirmed)| fresh(*confirmed, now));
            if inner.entries.len() >= CAPACITY {
                inner.entries.clear();
            }
        }
        inner.entries.insert(key_hash, (key, now));
    }

    /// Forgets the key with this id (it was just revoked).
    pub fn forget(&self, key_id: Uuid) {
        let mut inner = self.inner.lock().expect("not poisoned");
        inner.generation += 1;
        inner.entries.retain(|_, (key, _)| key.id != key_id);
    }
}

/// Confirmed less than the TTL ago; a confirmation "in the future" (the wall clock went back)
/// is not trusted.
fn fresh(confirmed: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    let age = now - confirmed;
    age >= TimeDelta::zero() && age < KEY_CACHE_TTL
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::Scope;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).expect("a valid time")
    }

    fn key() -> ApiKey {
        ApiKey {
            id: Uuid::now_v7(),
            account_id: Uuid::now_v7(),
            prefix: "pk_test".into(),
            scopes: vec![Scope::InvitationsRead],
            revoked: false,
        }
    }

    #[test]
    fn a_confirmed_key_is_kept_for_the_ttl_only() {
        let cache = KeyCache::default();
        let start = t0();
        let k = key();
        cache.insert(b"hash".to_vec(), k.clone(), start, cache.generation());

        assert_eq!(cache.get(b"hash", start + KEY_CACHE_TTL / 2), Some(k));
        assert_eq!(cache.get(b"hash", start + KEY_CACHE_TTL), None);
        assert_eq!(cache.get(b"other", start), None);
        assert_eq!(
            cache.get(b"hash", start - TimeDelta::seconds(1)),
            None,
            "the clock went back"
        );
    }

    #[test]
    fn forgetting_a_key_drops_it_at_once() {
        let cache = KeyCache::default();
        let now = t0();
        let (kept, revoked) = (key(), key());
        cache.insert(b"kept".to_vec(), kept.clone(), now, cache.generation());
        cache.insert(
            b"revoked".to_vec(),
            revoked.clone(),
            now,
            cache.generation(),
        );

        cache.forget(revoked.id);

        assert_eq!(cache.get(b"revoked", now), None);
        assert_eq!(cache.get(b"kept", now), Some(kept));
    }

    #[test]
    fn a_full_cache_makes_room() {
        let cache = KeyCache::default();
        let now = t0();
        for i in 0..CAPACITY {
            cache.insert(i.to_be_bytes().to_vec(), key(), now, cache.generation());
        }
        cache.insert(b"new".to_vec(), key(), now, cache.generation());

        assert!(cache.get(b"new", now).is_some());
        assert!(cache.inner.lock().unwrap().entries.len() <= CAPACITY);
    }

    #[test]
    fn a_lookup_that_began_before_a_revocation_does_not_cache_the_key() {
        let cache = KeyCache::default();
        let now = t0();
        let k = key();
        let before_lookup = cache.generation();

        cache.forget(k.id);
        cache.insert(b"hash".to_vec(), k, now, before_lookup);

        assert_eq!(cache.get(b"hash", now), None);
    }
}

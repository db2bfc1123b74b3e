//! Console passwords: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), hashed and
//! verified on blocking threads, at most a few at a time, so a burst of sign-ins neither stalls
//! the async workers nor takes the machine's memory (each hash holds 19 MiB while it runs).

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Arc, LazyLock};
use tokio::sync::Semaphore;

use super::token::random_bytes;

/// OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1.
const M_COST_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a password nobody has, verified when the user is unknown or has no password yet,
/// so a wrong address takes as long to refuse as a wrong password.
static DECOY: LazyLock<String> = LazyLock::new(|| {
    argon2()
        .hash_password_with_salt(&random_bytes::<32>(), &random_bytes::<16>())
        .expect("argon2 hashes")
        .to_string()
});

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes and verifies passwords off the async threads, `slots` at a time.
pub struct PasswordHasher {
    slots: Arc<Semaphore>,
}

impl PasswordHasher {
    pub fn new(slots: usize) -> PasswordHasher {
        PasswordHasher {
            slots: Arc::new(Semaphore::new(slots.max(1))),
        }
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|e| HashError(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| HashError(e.to_string()))
    }

    /// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`) of `password`, with a new salt.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = zeroize::Zeroizing::new(password.as_bytes().to_vec());
        self.blocking(move || {
            argon2()
                .hash_password_with_salt(&password, &random_bytes::<16>())
                .map(|h| h.to_string())
                .map_err(|e| HashError(e.to_string()))
        })
        .await?
    }

    /// Whether `password` matches `hash`; with no hash (an unknown user, or one without a
    /// password yet) it verifies against a decoy and answers `false`, in the same time.
    pub async fn verify(&self, hash: Option<String>, password: &str) -> Result<bool, HashError> {
        let password = zeroize::Zeroizing::new(password.as_bytes().to_vec());
        self.blocking(move || {
            let known = hash.is_some();
            let hash = hash.unwrap_or_else(|| DECOY.clone());
            let matches = argon2().verify_password(&password, hash.as_str()).is_ok();
            known && matches
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hasher = PasswordHasher::new(2);
        let hash = hasher.hash("correct horse battery").await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(!hash.contains("correct horse"));
        assert!(
            hasher
                .verify(Some(hash.clone()), "correct horse battery")
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(Some(hash), "wrong horse battery")
                .await
                .unwrap()
        );
        assert!(!hasher.verify(None, "correct horse battery").await.unwrap());
    }

    #[tokio::test]
    async fn two_hashes_of_one_password_differ_by_their_salt() {
        let hasher = PasswordHasher::new(1);
        let a = hasher.hash("correct horse battery").await.unwrap();
        let b = hasher.hash("correct horse battery").await.unwrap();
        assert_ne!(a, b);
    }
}

//! Accounts and API keys: creation (CLI, first start), the account's settings (API and CLI), and
//! authentication (every API request).

use uuid::Uuid;

use super::{Conflict, Portico, Resource, ServiceError, ServiceResult, permitted};
use crate::crypto::token::new_api_key;
use crate::domain::account::EmbedOrigin;
use crate::domain::account::{
    Account, AccountChanges, AccountPatch, ApiKey, Scope, check_account_name, check_account_number,
};
use crate::domain::branding::{Branding, BrandingChanges};
use crate::domain::user::{Action, ConsoleUser};
use crate::domain::values::TokenHash;
use crate::secret::Secret;
use crate::store::{ListedKey, StoredLogo};

/// The most keys the console lists (an account has a handful).
const MAX_LISTED_KEYS: i64 = 500;

/// A number another account holds is a conflict, not a failure of the store.
fn number_taken<T>(result: crate::store::StoreResult<T>) -> ServiceResult<T> {
    match result {
        Err(crate::store::StoreError::Conflict(_)) => {
            Err(ServiceError::Conflict(Conflict::AccountNumberTaken))
        }
        other => Ok(other?),
    }
}

/// Characters of a key kept in clear to recognise it in lists (`pk_` and 8 more).
const KEY_PREFIX_LEN: usize = 11;

impl Portico {
    pub async fn create_account(&self, name: &str, number: Option<i64>) -> ServiceResult<Account> {
        let name = name.trim();
        let mut errors = Vec::new();
        check_account_name(&mut errors, name);
        check_account_number(&mut errors, number);
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        number_taken(self.store.create_account(name, number, self.now()).await)
    }

    /// Changes the account's settings; what the patch leaves out stays.
    pub async fn update_account(&self, id: Uuid, patch: AccountPatch) -> ServiceResult<Account> {
        let changes = patch.validate().map_err(ServiceError::Invalid)?;
        number_taken(self.store.update_account(id, &changes).await)?
            .ok_or(ServiceError::NotFound(Resource::Account))
    }

    /// The branding of `by`'s account, for the console's page (owners only).
    pub async fn branding(&self, by: &ConsoleUser) -> ServiceResult<Branding> {
        let id = permitted(by, Action::ManageBranding)?;
        Ok(self.account(id).await?.branding)
    }

    /// Changes the branding of `by`'s account (owners only) from already parsed values, as
    /// the console's form sends them; what `changes` leaves out stays. The API's `branding`
    /// goes through `update_account`, to the same store call.
    pub async fn update_branding(
        &self,
        by: &ConsoleUser,
        changes: BrandingChanges,
    ) -> ServiceResult<Account> {
        let id = permitted(by, Action::ManageBranding)?;
        let changes = AccountChanges {
            branding: changes,
            ..AccountChanges::default()
        };
        number_taken(self.store.update_account(id, &changes).await)?
            .ok_or(ServiceError::NotFound(Resource::Account))
    }

    /// What the guest pages of an account's invitation need of it: the origins that may frame
    /// them and its branding, in one read (both empty when the account is gone).
    pub async fn guest_account(
        &self,
        account_id: Uuid,
    ) -> ServiceResult<(Vec<EmbedOrigin>, Branding)> {
        Ok(self
            .store
            .get_account(account_id)
            .await?
            .map(|a| (a.embed_origins, a.branding))
            .unwrap_or_default())
    }

    /// The logo whose bytes hash to `hash` (64 lowercase hex digits; anything else is none).
    pub async fn logo(&self, hash: &str) -> ServiceResult<Option<StoredLogo>> {
        let well_formed =
            hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !well_formed {
            return Ok(None);
        }
        Ok(self.store.get_logo(hash).await?)
    }

    /// Creates a key for the account; the key itself is returned only here.
    pub async fn create_api_key(
        &self,
        account_id: Uuid,
        scopes: Vec<Scope>,
    ) -> ServiceResult<(ApiKey, Secret<String>)> {
        if self.store.get_account(account_id).await?.is_none() {
            return Err(ServiceError::NotFound(Resource::Account));
        }
        let secret = new_api_key();
        let mut scopes = if scopes.is_empty() {
            Scope::standard()
        } else {
            scopes
        };
        scopes.sort_by_key(|s| s.as_str());
        scopes.dedup();
        let key = ApiKey {
            id: Uuid::now_v7(),
            account_id,
            prefix: secret.expose()[..KEY_PREFIX_LEN].to_string(),
            scopes,
            revoked: false,
        };
        self.store
            .create_api_key(&key, &TokenHash::of(secret.expose().as_bytes()), self.now())
            .await?;
        Ok((key, secret))
    }

    pub async fn account(&self, id: Uuid) -> ServiceResult<Account> {
        self.store
            .get_account(id)
            .await?
            .ok_or(ServiceError::NotFound(Resource::Account))
    }

    /// Revokes a key: at once in this process, within the key cache's TTL in others.
    pub async fn revoke_api_key(&self, id: Uuid) -> ServiceResult<bool> {
        let revoked = self.store.revoke_api_key(id, self.now()).await?;
        self.api_keys.forget(id);
        Ok(revoked)
    }

    /// The keys of `by`'s account, newest first (owners only; never a key itself).
    pub async fn list_api_keys(&self, by: &ConsoleUser) -> ServiceResult<Vec<ListedKey>> {
        let id = permitted(by, Action::ManageApiKeys)?;
        Ok(self.store.list_api_keys(id, MAX_LISTED_KEYS).await?)
    }

    /// A key for `by`'s account with `scopes` (owners only); the key itself is returned only
    /// here.
    pub async fn create_account_api_key(
        &self,
        by: &ConsoleUser,
        scopes: Vec<Scope>,
    ) -> ServiceResult<(ApiKey, Secret<String>)> {
        let id = permitted(by, Action::ManageApiKeys)?;
        self.create_api_key(id, scopes).await
    }

    /// Revokes a key of `by`'s account (owners only); another account's key is not found.
    /// `false` when it was revoked already.
    pub async fn revoke_account_api_key(&self, by: &ConsoleUser, id: Uuid) -> ServiceResult<bool> {
        let keys = self.list_api_keys(by).await?;
        if !keys.iter().any(|k| k.key.id == id) {
            return Err(ServiceError::NotFound(Resource::ApiKey));
        }
        self.revoke_api_key(id).await
    }

    /// The key a request presents, if it exists and is not revoked. Lookup is by SHA-256: keys
    /// have 256 bits of entropy, so a slow password hash would add cost and no safety. A key
    /// confirmed less than `KEY_CACHE_TTL` (2 s) ago is taken from the key cache.
    pub async fn authenticate(&self, presented: &Secret<String>) -> ServiceResult<Option<ApiKey>> {
        let hash = TokenHash::of(presented.expose().as_bytes());
        let now = self.now();
        if let Some(key) = self.api_keys.get(hash.as_bytes(), now) {
            return Ok(Some(key));
        }
        let generation = self.api_keys.generation();
        let key = self.store.find_api_key(&hash).await?.filter(|k| !k.revoked);
        if let Some(key) = &key {
            self.api_keys
                .insert(hash.as_bytes().to_vec(), key.clone(), now, generation);
        }
        Ok(key)
    }

    /// On an empty database: a first account and a key with every scope, to print once.
    pub async fn bootstrap(&self) -> ServiceResult<Option<(Account, ApiKey, Secret<String>)>> {
        if self.store.count_accounts().await? > 0 {
            return Ok(None);
        }
        let account = self.create_account("Default account", None).await?;
        let (key, secret) = self.create_api_key(account.id, Scope::ALL.to_vec()).await?;
        Ok(Some((account, key, secret)))
    }
}

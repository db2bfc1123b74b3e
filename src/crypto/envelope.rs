//! Envelope encryption: a data key per protected thing, wrapped by a master key from the key file.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::SystemTime;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::token::random_bytes;
use crate::secret::Secret;

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

const KEY_FILE_HEADER: &str = "\
# Portico master keys, one per line: `<key id> <base64 of 32 key bytes>`.
# The last key is the active one; older keys stay so that data wrapped with them still opens.
";

/// What can go wrong while loading keys or opening sealed data. Messages name files, lines and
/// key ids, never key material or plaintext.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("key file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("key file {}, line {line}: {reason}", path.display())]
    Malformed {
        path: PathBuf,
        line: usize,
        reason: &'static str,
    },
    #[error("key file {} holds no key", path.display())]
    NoKeys { path: PathBuf },
    #[error(
        "key file {} has mode {mode:04o}: group or others may read or write it, so Portico \
         refuses to use it; fix it with `chmod 600 {}`",
        path.display(),
        shell_word(path)
    )]
    Exposed { path: PathBuf, mode: u32 },
    #[error("unknown master key id {0}")]
    UnknownKey(String),
    #[error("decryption failed: wrong key, wrong binding or altered data")]
    Decrypt,
    #[error("sealed text is not valid base64")]
    Encoding,
    #[error("decrypted text is not valid UTF-8")]
    NotUtf8,
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> CryptoError + '_ {
    move |source| CryptoError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A 256-bit AES-GCM key. Boxed so moves do not leave copies behind, zeroed on drop.
pub struct DataKey(Box<[u8; KEY_LEN]>);

impl DataKey {
    fn generate() -> DataKey {
        let mut key = Box::new([0u8; KEY_LEN]);
        getrandom::fill(&mut key[..]).expect("the OS random number generator failed");
        DataKey(key)
    }

    fn from_slice(bytes: &[u8]) -> Option<DataKey> {
        let mut key = Box::new([0u8; KEY_LEN]);
        key.copy_from_slice(bytes.get(..KEY_LEN).filter(|_| bytes.len() == KEY_LEN)?);
        Some(DataKey(key))
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new((&*self.0).into())
    }

    /// AES-256-GCM with a fresh random nonce; output nonce||ciphertext||tag. aad binds it to its place.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let nonce = random_bytes::<NONCE_LEN>();
        let ciphertext = self
            .cipher()
            .encrypt(
                &Nonce::<Aes256Gcm>::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .expect("AES-GCM seals any message shorter than 64 GiB");
        [&nonce[..], &ciphertext].concat()
    }

    fn open_raw(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::<Aes256Gcm>::try_from(nonce).map_err(|_| CryptoError::Decrypt)?;
        self.cipher()
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map_err(|_| CryptoError::Decrypt)
    }

    /// Opens what [`DataKey::seal`] produced with the same aad; anything else is `Decrypt`.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Secret<Vec<u8>>, CryptoError> {
        self.open_raw(aad, sealed).map(Secret::new)
    }

    /// [`DataKey::seal`] for strings, as standard padded base64 text.
    pub fn seal_str(&self, aad: &[u8], plaintext: &str) -> String {
        STANDARD.encode(self.seal(aad, plaintext.as_bytes()))
    }

    /// Opens what [`DataKey::seal_str`] produced.
    pub fn open_str(&self, aad: &[u8], sealed_b64: &str) -> Result<Secret<String>, CryptoError> {
        let sealed = STANDARD
            .decode(sealed_b64)
            .map_err(|_| CryptoError::Encoding)?;
        let plaintext = self.open_raw(aad, &sealed)?;
        String::from_utf8(plaintext)
            .map(Secret::new)
            .map_err(|err| {
                // The error carries the plaintext bytes; wipe them before they are dropped.
                err.into_bytes().zeroize();
                CryptoError::NotUtf8
            })
    }
}

impl Drop for DataKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(***)")
    }
}

/// A data key sealed by the master key `key_id`: `bytes` is nonce||ciphertext||tag.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey {
    pub key_id: String,
    pub bytes: Vec<u8>,
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrappedKey")
            .field("key_id", &self.key_id)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .finish()
    }
}

struct MasterKey {
    id: String,
    key: DataKey,
}

impl MasterKey {
    fn generate() -> MasterKey {
        MasterKey {
            id: format!("mk_{}", hex::encode(random_bytes::<6>())),
            key: DataKey::generate(),
        }
    }

    /// `data_key` sealed by this key, bound to `binding`.
    fn wrap(&self, data_key: &DataKey, binding: &[u8]) -> WrappedKey {
        WrappedKey {
            key_id: self.id.clone(),
            bytes: self.key.seal(binding, &data_key.0[..]),
        }
    }

    fn file_line(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "{} {}\n",
            self.id,
            STANDARD.encode(&self.key.0[..])
        ))
    }
}

/// `path` as one shell word (single-quoted when it holds anything but plain characters), so
/// the `chmod` a message suggests can be pasted as it is.
fn shell_word(path: &Path) -> String {
    let text = path.display().to_string();
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// What a cheap `stat` tells about the key file; a rotation (rename) changes at least the inode.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    inode: u64,
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(meta: &fs::Metadata) -> Stamp {
        Stamp {
            inode: meta.ino(),
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// The keys as last read; replaced whole on reload, so it is never half updated.
struct Inner {
    keys: Vec<MasterKey>,
    stamp: Option<Stamp>,
}

impl Inner {
    fn active(&self) -> &MasterKey {
        self.keys.last().expect("a keyring always holds a key")
    }

    fn find(&self, id: &str) -> Option<&MasterKey> {
        self.keys.iter().find(|k| k.id == id)
    }
}

/// The master keys, loaded from a key file. The last key in the file is the active one (new data
/// keys are wrapped with it); older ones stay to unwrap.
///
/// File format: text, one key per line, `<kid> <base64 of 32 key bytes>`; lines starting with
/// `#` are comments. The file is the truth: several processes may share it, and each picks up a
/// rotation done by another (see [`Keyring::refresh_if_changed`]).
pub struct Keyring {
    path: Option<PathBuf>,
    inner: RwLock<Inner>,
}

impl Keyring {
    /// Load the file, creating it (and its parent dir) with one fresh key, mode 0600, when
    /// missing. A file that group or others may read or write is refused
    /// ([`CryptoError::Exposed`], whose message names the `chmod` that fixes it): every command
    /// starts here, so none runs with a key that may already have leaked.
    pub fn load_or_create(path: &Path) -> Result<Keyring, CryptoError> {
        let inner = match read_key_file(path, Exposure::Refuse) {
            Err(CryptoError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                create_key_file(path)?;
                read_key_file(path, Exposure::Refuse)?
            }
            other => other?,
        };
        Ok(Keyring {
            path: Some(path.to_owned()),
            inner: RwLock::new(inner),
        })
    }

    /// An in-memory keyring with one random key, no file (for unit tests).
    pub fn ephemeral() -> Keyring {
        Keyring {
            path: None,
            inner: RwLock::new(Inner {
                keys: vec![MasterKey::generate()],
                stamp: None,
            }),
        }
    }

    pub fn active_key_id(&self) -> String {
        self.read().active().id.clone()
    }

    pub fn key_ids(&self) -> Vec<String> {
        self.read().keys.iter().map(|k| k.id.clone()).collect()
    }

    /// Keys for MACs named by `label`, one per master key (HMAC-SHA256 of the label under it),
    /// the active key's first: what was signed before a rotation still verifies after it, and
    /// every process sharing the key file derives the same keys.
    pub fn mac_keys(&self, label: &str) -> Result<Vec<Zeroizing<[u8; KEY_LEN]>>, CryptoError> {
        use hmac::Mac;
        self.refresh_if_changed()?;
        let inner = self.read();
        Ok(inner
            .keys
            .iter()
            .rev()
            .map(|master| {
                let mut mac =
                    <hmac::Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(&master.key.0[..])
                        .expect("HMAC takes any key length");
                mac.update(label.as_bytes());
                let mut key = Zeroizing::new([0u8; KEY_LEN]);
                key.copy_from_slice(&mac.finalize().into_bytes());
                key
            })
            .collect())
    }

    /// A fresh random data key, wrapped (AES-256-GCM, fresh random 96-bit nonce) by the active
    /// master key, with associated data `binding` (e.g. `b"connection:<account_id>:<connection_id>"`),
    /// so a wrapped key copied to another place does not unwrap there.
    pub fn new_data_key(&self, binding: &[u8]) -> Result<(DataKey, WrappedKey), CryptoError> {
        self.refresh_if_changed()?;
        let data_key = DataKey::generate();
        let wrapped = self.wrap(&data_key, binding);
        Ok((data_key, wrapped))
    }

    /// Unwrap with the key named by `wrapped.key_id` and the same binding; wrong binding or key is
    /// an error. An unknown key id re-reads the key file once (another process may have rotated).
    pub fn unwrap(&self, wrapped: &WrappedKey, binding: &[u8]) -> Result<DataKey, CryptoError> {
        if self.read().find(&wrapped.key_id).is_none() {
            self.reload()?;
        }
        let inner = self.read();
        let master = inner
            .find(&wrapped.key_id)
            .ok_or_else(|| CryptoError::UnknownKey(wrapped.key_id.clone()))?;
        let bytes = Zeroizing::new(master.key.open_raw(binding, &wrapped.bytes)?);
        DataKey::from_slice(&bytes).ok_or(CryptoError::Decrypt)
    }

    /// Unwrap and wrap again under the master key `key_id` (for rotation): always the key
    /// named, never whichever key is newest by the time this runs.
    pub fn rewrap_under(
        &self,
        wrapped: &WrappedKey,
        binding: &[u8],
        key_id: &str,
    ) -> Result<WrappedKey, CryptoError> {
        let data_key = self.unwrap(wrapped, binding)?;
        if self.read().find(key_id).is_none() {
            self.reload()?;
        }
        let inner = self.read();
        let master = inner
            .find(key_id)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_owned()))?;
        Ok(master.wrap(&data_key, binding))
    }

    /// The key a rotation to `key_id` should wrap under now: `key_id` itself, or the key a
    /// later rotation has added after it since (the key file, re-read if it changed, lists it
    /// after `key_id`). Key files only grow at the end, under the rotation lock, so file order
    /// is the order in which rotations started, and the last key is the latest rotation's.
    pub fn rotation_target(&self, key_id: &str) -> Result<String, CryptoError> {
        self.refresh_if_changed()?;
        let inner = self.read();
        if inner.find(key_id).is_none() {
            return Err(CryptoError::UnknownKey(key_id.to_owned()));
        }
        Ok(inner.active().id.clone())
    }

    /// Append a fresh key to the key file and make it active in this keyring; returns its id.
    ///
    /// The file is rewritten whole (temp file 0600, fsync, rename), so a reader in another process
    /// sees the old or the new file, never half of one; comments are kept. A lock file beside it
    /// serializes rotations, so two at once cannot lose a key.
    pub fn rotate(&self) -> Result<String, CryptoError> {
        let key = MasterKey::generate();
        let id = key.id.clone();
        let Some(path) = &self.path else {
            self.write().keys.push(key);
            return Ok(id);
        };
        let _lock = lock_rotation(path)?;
        let mut text = Zeroizing::new(String::new());
        File::open(path)
            .and_then(|mut file| file.read_to_string(&mut text))
            .map_err(io_error(path))?;
        // Refuse to append to a file that would not load anyway.
        parse_keys(path, &text)?;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&key.file_line());
        replace_file(path, &text)?;
        *self.write() = read_key_file(path, Exposure::Warn)?;
        Ok(id)
    }

    /// Re-read the file if its inode, length or modification time changed since the last load (a
    /// cheap stat), so a running server picks up a rotation done by `portico keys rotate` in
    /// another process without a restart.
    pub fn refresh_if_changed(&self) -> Result<(), CryptoError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let stamp = Stamp::of(&fs::metadata(path).map_err(io_error(path))?);
        if self.read().stamp != Some(stamp) {
            self.reload()?;
        }
        Ok(())
    }

    fn reload(&self) -> Result<(), CryptoError> {
        if let Some(path) = &self.path {
            *self.write() = read_key_file(path, Exposure::Warn)?;
        }
        Ok(())
    }

    fn wrap(&self, data_key: &DataKey, binding: &[u8]) -> WrappedKey {
        self.read().active().wrap(data_key, binding)
    }

    // `Inner` is replaced whole under the lock, so a panic elsewhere cannot leave it half
    // written and a poisoned lock is safe to use.
    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("path", &self.path)
            .field("active_key_id", &self.active_key_id())
            .field("key_ids", &self.key_ids())
            .finish()
    }
}

/// What to do with a key file that group or others may read or write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Exposure {
    /// At load: refuse to start with it.
    Refuse,
    /// When a running process re-reads it (after a rotation elsewhere): warn, and keep working,
    /// since refusing then would fail requests rather than a start.
    Warn,
}

fn read_key_file(path: &Path, exposure: Exposure) -> Result<Inner, CryptoError> {
    let mut file = File::open(path).map_err(io_error(path))?;
    let meta = file.metadata().map_err(io_error(path))?;
    if meta.mode() & 0o077 != 0 && exposure == Exposure::Refuse {
        return Err(CryptoError::Exposed {
            path: std::path::absolute(path).unwrap_or_else(|_| path.to_owned()),
            mode: meta.mode() & 0o777,
        });
    }
    if meta.mode() & 0o077 != 0 {
        tracing::warn!(
            path = %path.display(),
            mode = format_args!("{:o}", meta.mode() & 0o777),
            "the master key file is accessible to group or others; chmod 600 it"
        );
    }
    let mut text = Zeroizing::new(String::new());
    file.read_to_string(&mut text).map_err(io_error(path))?;
    Ok(Inner {
        keys: parse_keys(path, &text)?,
        stamp: Some(Stamp::of(&meta)),
    })
}

fn parse_keys(path: &Path, text: &str) -> Result<Vec<MasterKey>, CryptoError> {
    let mut keys: Vec<MasterKey> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let malformed = |reason| CryptoError::Malformed {
            path: path.to_owned(),
            line: index + 1,
            reason,
        };
        let mut fields = line.split_whitespace();
        let (Some(id), Some(encoded), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err(malformed("expected `<key id> <base64 of 32 key bytes>`"));
        };
        let bytes = Zeroizing::new(
            STANDARD
                .decode(encoded)
                .map_err(|_| malformed("the key is not valid base64"))?,
        );
        let key =
            DataKey::from_slice(&bytes).ok_or_else(|| malformed("the key is not 32 bytes"))?;
        if keys.iter().any(|k| k.id == id) {
            return Err(malformed("duplicate key id"));
        }
        keys.push(MasterKey {
            id: id.to_owned(),
            key,
        });
    }
    if keys.is_empty() {
        return Err(CryptoError::NoKeys {
            path: path.to_owned(),
        });
    }
    Ok(keys)
}

/// Writes a new key file without ever replacing one: `hard_link` fails if the name exists, so
/// when two processes start on a fresh data dir at once, one key file wins and both load it.
fn create_key_file(path: &Path) -> Result<(), CryptoError> {
    let dir = parent_dir(path);
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_error(dir))?;
    let mut text = Zeroizing::new(KEY_FILE_HEADER.to_owned());
    text.push_str(&MasterKey::generate().file_line());
    let temp = write_temp_file(path, &text)?;
    let linked = fs::hard_link(&temp, path);
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => sync_dir(path),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(io_error(path)(err)),
    }
}

fn replace_file(path: &Path, text: &str) -> Result<(), CryptoError> {
    let temp = write_temp_file(path, text)?;
    if let Err(err) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(io_error(path)(err));
    }
    sync_dir(path)
}

/// A new file with mode 0600 beside `path`, holding `text`, flushed to disk.
fn write_temp_file(path: &Path, text: &str) -> Result<PathBuf, CryptoError> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = parent_dir(path).join(format!(".{name}.tmp-{}", hex::encode(random_bytes::<6>())));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        });
    if let Err(err) = written {
        let _ = fs::remove_file(&temp);
        return Err(io_error(&temp)(err));
    }
    Ok(temp)
}

/// Makes a rename or link in the key file's directory durable.
fn sync_dir(path: &Path) -> Result<(), CryptoError> {
    let dir = parent_dir(path);
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(dir))
}

/// An exclusive lock on `<key file>.lock`, held until the returned file is dropped. It cannot be
/// the key file itself: rotation renames a new file over it.
fn lock_rotation(path: &Path) -> Result<File, CryptoError> {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".lock");
    let lock_path = path.with_file_name(name);
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&lock_path)
        .map_err(io_error(&lock_path))?;
    file.lock().map_err(io_error(&lock_path))?;
    Ok(file)
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    const BINDING: &[u8] = b"connection:acc_1:conn_1";

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            let name = format!("portico-crypto-{}", hex::encode(random_bytes::<8>()));
            TempDir(std::env::temp_dir().join(name))
        }

        fn key_file(&self) -> PathBuf {
            self.0.join("data").join("master.key")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn seal_then_open_returns_the_plaintext() {
        let key = DataKey::generate();
        let sealed = key.seal(b"field:password", b"hunter2");
        assert_eq!(sealed.len(), NONCE_LEN + 7 + TAG_LEN);
        let opened = key.open(b"field:password", &sealed).unwrap();
        assert_eq!(opened.expose(), b"hunter2");
    }

    #[test]
    fn sealing_twice_gives_different_bytes() {
        let key = DataKey::generate();
        assert_ne!(key.seal(b"", b"same"), key.seal(b"", b"same"));
    }

    #[test]
    fn seal_str_then_open_str_round_trips_through_base64() {
        let key = DataKey::generate();
        let sealed = key.seal_str(b"field:api_key", "s3cret");
        assert!(STANDARD.decode(&sealed).is_ok());
        let opened = key.open_str(b"field:api_key", &sealed).unwrap();
        assert_eq!(opened.expose(), "s3cret");
    }

    #[test]
    fn open_with_other_aad_fails() {
        let key = DataKey::generate();
        let sealed = key.seal(b"field:password", b"hunter2");
        assert!(matches!(
            key.open(b"field:username", &sealed),
            Err(CryptoError::Decrypt)
        ));
    }

    #[test]
    fn altered_truncated_or_garbage_input_fails_to_open() {
        let key = DataKey::generate();
        let mut sealed = key.seal(b"", b"hunter2");
        sealed[NONCE_LEN] ^= 1;
        assert!(key.open(b"", &sealed).is_err());
        assert!(key.open(b"", &sealed[..NONCE_LEN + TAG_LEN - 1]).is_err());
        assert!(key.open(b"", &[]).is_err());
        assert!(matches!(
            key.open_str(b"", "not base64!"),
            Err(CryptoError::Encoding)
        ));
    }

    #[test]
    fn open_with_another_data_key_fails() {
        let sealed = DataKey::generate().seal(b"", b"hunter2");
        assert!(DataKey::generate().open(b"", &sealed).is_err());
    }

    #[test]
    fn wrapped_key_unwraps_with_its_binding() {
        let keyring = Keyring::ephemeral();
        let (data_key, wrapped) = keyring.new_data_key(BINDING).unwrap();
        assert_eq!(wrapped.key_id, keyring.active_key_id());
        let sealed = data_key.seal(b"", b"hunter2");
        let unwrapped = keyring.unwrap(&wrapped, BINDING).unwrap();
        assert_eq!(unwrapped.open(b"", &sealed).unwrap().expose(), b"hunter2");
    }

    #[test]
    fn wrapped_key_moved_to_other_binding_fails() {
        let keyring = Keyring::ephemeral();
        let (_, wrapped) = keyring.new_data_key(BINDING).unwrap();
        assert!(matches!(
            keyring.unwrap(&wrapped, b"connection:acc_2:conn_1"),
            Err(CryptoError::Decrypt)
        ));
    }

    #[test]
    fn wrapped_key_fails_under_another_keyring() {
        let (_, mut wrapped) = Keyring::ephemeral().new_data_key(BINDING).unwrap();
        let other = Keyring::ephemeral();
        assert!(matches!(
            other.unwrap(&wrapped, BINDING),
            Err(CryptoError::UnknownKey(_))
        ));
        wrapped.key_id = other.active_key_id();
        assert!(matches!(
            other.unwrap(&wrapped, BINDING),
            Err(CryptoError::Decrypt)
        ));
    }

    #[test]
    fn key_file_is_created_with_mode_0600_and_one_key() {
        let dir = TempDir::new();
        let keyring = Keyring::load_or_create(&dir.key_file()).unwrap();
        let meta = fs::metadata(dir.key_file()).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let ids = keyring.key_ids();
        assert_eq!(ids.len(), 1);
        assert!(ids[0].starts_with("mk_") && ids[0].len() == 15, "{ids:?}");
        assert!(ids[0][3..].bytes().all(|b| b.is_ascii_hexdigit()));
        let text = fs::read_to_string(dir.key_file()).unwrap();
        assert!(text.starts_with('#'));
    }

    #[test]
    fn loading_an_existing_key_file_keeps_its_keys() {
        let dir = TempDir::new();
        let first = Keyring::load_or_create(&dir.key_file()).unwrap();
        let (_, wrapped) = first.new_data_key(BINDING).unwrap();
        let second = Keyring::load_or_create(&dir.key_file()).unwrap();
        assert_eq!(second.key_ids(), first.key_ids());
        assert!(second.unwrap(&wrapped, BINDING).is_ok());
    }

    #[test]
    fn a_key_file_open_to_group_or_others_is_refused_with_the_fix() {
        let dir = TempDir::new();
        let key_file = dir.key_file();
        Keyring::load_or_create(&key_file).unwrap();
        let secret = fs::read_to_string(&key_file).unwrap();
        for mode in [0o640, 0o604, 0o620, 0o602, 0o644] {
            fs::set_permissions(&key_file, fs::Permissions::from_mode(mode)).unwrap();
            let err = Keyring::load_or_create(&key_file).unwrap_err();
            assert!(
                matches!(err, CryptoError::Exposed { .. }),
                "{mode:o}: {err}"
            );
            let message = err.to_string();
            assert!(
                message.contains(&format!("`chmod 600 {}`", key_file.display())),
                "{message}"
            );
            let encoded = secret.lines().last().unwrap().split(' ').nth(1).unwrap();
            assert!(!message.contains(encoded));
        }
        fs::set_permissions(&key_file, fs::Permissions::from_mode(0o600)).unwrap();
        assert!(Keyring::load_or_create(&key_file).is_ok());
        fs::set_permissions(&key_file, fs::Permissions::from_mode(0o400)).unwrap();
        assert!(
            Keyring::load_or_create(&key_file).is_ok(),
            "read-only for the owner is fine"
        );
    }

    #[test]
    fn a_running_keyring_keeps_working_when_the_file_is_loosened() {
        let dir = TempDir::new();
        let keyring = Keyring::load_or_create(&dir.key_file()).unwrap();
        let rotating = Keyring::load_or_create(&dir.key_file()).unwrap();
        rotating.rotate().unwrap();
        fs::set_permissions(dir.key_file(), fs::Permissions::from_mode(0o644)).unwrap();
        let (_, wrapped) = keyring.new_data_key(BINDING).unwrap();
        assert_eq!(wrapped.key_id, rotating.active_key_id());
    }

    #[test]
    fn the_suggested_chmod_quotes_a_path_with_spaces() {
        assert_eq!(
            shell_word(Path::new("/srv/portico/master.key")),
            "/srv/portico/master.key"
        );
        assert_eq!(
            shell_word(Path::new("/srv/my data/it's.key")),
            r"'/srv/my data/it'\''s.key'"
        );
    }

    #[test]
    fn malformed_key_file_is_refused_without_echoing_it() {
        let dir = TempDir::new();
        fs::create_dir_all(dir.0.join("data")).unwrap();
        let short_key = STANDARD.encode([7u8; 16]);
        fs::write(dir.key_file(), format!("# keys\nmk_a {short_key}\n")).unwrap();
        fs::set_permissions(dir.key_file(), fs::Permissions::from_mode(0o600)).unwrap();
        let err = Keyring::load_or_create(&dir.key_file()).unwrap_err();
        assert!(
            matches!(err, CryptoError::Malformed { line: 2, .. }),
            "{err}"
        );
        assert!(!err.to_string().contains(&short_key));

        fs::write(dir.key_file(), "# only a comment\n").unwrap();
        assert!(matches!(
            Keyring::load_or_create(&dir.key_file()),
            Err(CryptoError::NoKeys { .. })
        ));
    }

    #[test]
    fn rotate_appends_a_key_and_old_wrapped_keys_still_unwrap() {
        let dir = TempDir::new();
        let keyring = Keyring::load_or_create(&dir.key_file()).unwrap();
        let old_id = keyring.active_key_id();
        let (data_key, old_wrapped) = keyring.new_data_key(BINDING).unwrap();
        let sealed = data_key.seal(b"", b"hunter2");

        let new_id = keyring.rotate().unwrap();
        assert_ne!(new_id, old_id);
        assert_eq!(keyring.key_ids(), vec![old_id.clone(), new_id.clone()]);
        assert_eq!(keyring.active_key_id(), new_id);
        let text = fs::read_to_string(dir.key_file()).unwrap();
        assert!(text.starts_with('#'), "comments are kept");
        assert_eq!(text.lines().filter(|l| l.starts_with("mk_")).count(), 2);
        let meta = fs::metadata(dir.key_file()).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let mut names: Vec<_> = fs::read_dir(dir.0.join("data"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["master.key", "master.key.lock"],
            "no temp file left"
        );

        let (_, new_wrapped) = keyring.new_data_key(BINDING).unwrap();
        assert_eq!(new_wrapped.key_id, new_id);
        assert!(keyring.unwrap(&old_wrapped, BINDING).is_ok());

        let rewrapped = keyring
            .rewrap_under(&old_wrapped, BINDING, &new_id)
            .unwrap();
        assert_eq!(rewrapped.key_id, new_id);
        let unwrapped = keyring.unwrap(&rewrapped, BINDING).unwrap();
        assert_eq!(unwrapped.open(b"", &sealed).unwrap().expose(), b"hunter2");
    }

    #[test]
    fn a_second_keyring_on_the_same_file_sees_a_rotation() {
        let dir = TempDir::new();
        let rotating = Keyring::load_or_create(&dir.key_file()).unwrap();
        let unwrapping = Keyring::load_or_create(&dir.key_file()).unwrap();
        let refreshing = Keyring::load_or_create(&dir.key_file()).unwrap();
        let old_id = rotating.active_key_id();

        let new_id = rotating.rotate().unwrap();
        let (_, wrapped) = rotating.new_data_key(BINDING).unwrap();

        // An unknown key id makes the keyring re-read the file.
        assert!(unwrapping.unwrap(&wrapped, BINDING).is_ok());
        assert_eq!(unwrapping.active_key_id(), new_id);

        // A stat shows the file changed; new data keys then use the new active key.
        assert_eq!(refreshing.active_key_id(), old_id);
        refreshing.refresh_if_changed().unwrap();
        assert_eq!(refreshing.active_key_id(), new_id);
        let (_, wrapped) = refreshing.new_data_key(BINDING).unwrap();
        assert_eq!(wrapped.key_id, new_id);
    }

    #[test]
    fn new_data_key_picks_up_a_rotation_by_itself() {
        let dir = TempDir::new();
        let rotating = Keyring::load_or_create(&dir.key_file()).unwrap();
        let serving = Keyring::load_or_create(&dir.key_file()).unwrap();
        let new_id = rotating.rotate().unwrap();
        let (_, wrapped) = serving.new_data_key(BINDING).unwrap();
        assert_eq!(wrapped.key_id, new_id);
    }

    #[test]
    fn rewrap_under_uses_the_key_named_even_when_a_newer_one_exists() {
        let dir = TempDir::new();
        let first = Keyring::load_or_create(&dir.key_file()).unwrap();
        let second = Keyring::load_or_create(&dir.key_file()).unwrap();
        let (_, wrapped) = first.new_data_key(BINDING).unwrap();
        let mine = first.rotate().unwrap();
        let theirs = second.rotate().unwrap();
        let rewrapped = first.rewrap_under(&wrapped, BINDING, &mine).unwrap();
        assert_eq!(rewrapped.key_id, mine, "not the newest, {theirs}");
        assert!(second.unwrap(&rewrapped, BINDING).is_ok());
        assert!(matches!(
            first.rewrap_under(&wrapped, BINDING, "mk_nowhere"),
            Err(CryptoError::UnknownKey(_))
        ));
    }

    #[test]
    fn the_rotation_target_moves_to_a_later_rotation_and_never_back() {
        let dir = TempDir::new();
        let first = Keyring::load_or_create(&dir.key_file()).unwrap();
        let second = Keyring::load_or_create(&dir.key_file()).unwrap();
        let original = first.active_key_id();
        let mine = first.rotate().unwrap();
        assert_eq!(first.rotation_target(&mine).unwrap(), mine);
        let theirs = second.rotate().unwrap();
        assert_eq!(first.rotation_target(&mine).unwrap(), theirs);
        assert_eq!(first.rotation_target(&theirs).unwrap(), theirs);
        assert_eq!(second.rotation_target(&theirs).unwrap(), theirs);
        assert_eq!(first.rotation_target(&original).unwrap(), theirs);
        assert!(matches!(
            first.rotation_target("mk_nowhere"),
            Err(CryptoError::UnknownKey(_))
        ));
    }

    #[test]
    fn ephemeral_keyring_rotates_in_memory() {
        let keyring = Keyring::ephemeral();
        let (_, wrapped) = keyring.new_data_key(BINDING).unwrap();
        let new_id = keyring.rotate().unwrap();
        assert_eq!(keyring.active_key_id(), new_id);
        assert_eq!(
            keyring
                .rewrap_under(&wrapped, BINDING, &new_id)
                .unwrap()
                .key_id,
            new_id
        );
    }

    #[test]
    fn debug_output_shows_no_key_bytes() {
        let dir = TempDir::new();
        let keyring = Keyring::load_or_create(&dir.key_file()).unwrap();
        let (data_key, wrapped) = keyring.new_data_key(BINDING).unwrap();

        let debug = format!("{data_key:?}");
        assert_eq!(debug, "DataKey(***)");

        let debug = format!("{wrapped:?}");
        assert!(debug.contains(&wrapped.key_id));
        assert!(!debug.contains(&format!("{:?}", wrapped.bytes)));
        assert!(!debug.contains(&hex::encode(&wrapped.bytes)));
        assert!(!debug.contains(&STANDARD.encode(&wrapped.bytes)));

        let debug = format!("{keyring:?}");
        let file = fs::read_to_string(dir.key_file()).unwrap();
        let encoded_key = file.lines().last().unwrap().split(' ').nth(1).unwrap();
        assert!(debug.contains(&keyring.active_key_id()));
        assert!(!debug.contains(encoded_key));
    }

    #[test]
    fn keyring_is_send_and_sync() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Keyring>();
    }
}

//! The connector catalog: the specs built into the binary (`connectors/*.toml`) plus an optional
//! directory of more, checked for consistency once at start and then read-only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::domain::connector::ConnectorSpec;

static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/connectors");

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read connector directory {path}: {source}")]
    ReadDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read connector file {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("connector file {file} is not a valid spec: {message}")]
    Parse { file: String, message: String },
    #[error("connector file {file} is inconsistent: {}", .errors.join("; "))]
    Inconsistent { file: String, errors: Vec<String> },
    #[error("connector file {file} defines id `{id}`, already defined by {other}")]
    DuplicateId {
        file: String,
        id: String,
        other: String,
    },
    #[error("connector file {file} uses number {number}, already used by `{other_id}` ({other})")]
    DuplicateNumber {
        file: String,
        number: i64,
        other_id: String,
        other: String,
    },
}

#[derive(Debug, Clone)]
struct Entry {
    spec: ConnectorSpec,
    /// Where the spec came from, for error messages: `builtin:postgres.toml` or a path.
    origin: String,
}

/// All connectors Portico knows, by slug id and by stable number.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    by_id: BTreeMap<String, Entry>,
    id_by_number: BTreeMap<i64, String>,
}

impl Catalog {
    /// The connectors embedded in the binary.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        Catalog::load(None)
    }

    /// The built-in connectors plus every `*.toml` in `extra_dir`. A file there whose id is a
    /// built-in one replaces it; within one source, ids and numbers must be unique, and after
    /// overrides no two connectors may share a number.
    pub fn load(extra_dir: Option<&Path>) -> Result<Catalog, CatalogError> {
        let mut builtin = Vec::new();
        let mut files: Vec<_> = BUILTIN
            .files()
            .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort_by_key(|f| f.path());
        for file in files {
            let origin = format!("builtin:{}", file.path().display());
            let text = file.contents_utf8().ok_or_else(|| CatalogError::Parse {
                file: origin.clone(),
                message: "not UTF-8".into(),
            })?;
            builtin.push(parse(&origin, text)?);
        }

        let mut extra = Vec::new();
        if let Some(dir) = extra_dir {
            let read_dir = |source| CatalogError::ReadDir {
                path: dir.to_path_buf(),
                source,
            };
            let mut paths = Vec::new();
            for entry in std::fs::read_dir(dir).map_err(read_dir)? {
                let path = entry.map_err(read_dir)?.path();
                if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
                    paths.push(path);
                }
            }
            paths.sort();
            for path in paths {
                let text =
                    std::fs::read_to_string(&path).map_err(|source| CatalogError::ReadFile {
                        path: path.clone(),
                        source,
                    })?;
                extra.push(parse(&path.display().to_string(), &text)?);
            }
        }

        let mut catalog = Catalog::default();
        unique_ids(&builtin)?;
        unique_ids(&extra)?;
        for entry in builtin.into_iter().chain(extra) {
            catalog.by_id.insert(entry.spec.id.clone(), entry);
        }
        catalog.index_numbers()?;
        Ok(catalog)
    }

    /// A catalog of exactly these specs, checked like files are; for tests and embedding.
    pub fn from_specs(
        specs: impl IntoIterator<Item = ConnectorSpec>,
    ) -> Result<Catalog, CatalogError> {
        let entries = specs
            .into_iter()
            .map(|spec| {
                let entry = Entry {
                    origin: format!("spec `{}`", spec.id),
                    spec,
                };
                check(entry)
            })
            .collect::<Result<Vec<_>, _>>()?;
        unique_ids(&entries)?;
        let mut catalog = Catalog::default();
        for entry in entries {
            catalog.by_id.insert(entry.spec.id.clone(), entry);
        }
        catalog.index_numbers()?;
        Ok(catalog)
    }

    pub fn get(&self, id: &str) -> Option<&ConnectorSpec> {
        self.by_id.get(id).map(|e| &e.spec)
    }

    pub fn by_number(&self, number: i64) -> Option<&ConnectorSpec> {
        self.id_by_number.get(&number).and_then(|id| self.get(id))
    }

    /// Every connector, sorted by id.
    pub fn all(&self) -> impl Iterator<Item = &ConnectorSpec> {
        self.by_id.values().map(|e| &e.spec)
    }

    /// Every category some connector has, sorted.
    pub fn categories(&self) -> Vec<String> {
        let mut categories: Vec<String> = self
            .all()
            .flat_map(|spec| spec.categories.iter().cloned())
            .collect();
        categories.sort();
        categories.dedup();
        categories
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    fn index_numbers(&mut self) -> Result<(), CatalogError> {
        self.id_by_number.clear();
        for entry in self.by_id.values() {
            let number = entry.spec.number;
            if let Some(other_id) = self.id_by_number.get(&number) {
                return Err(CatalogError::DuplicateNumber {
                    file: entry.origin.clone(),
                    number,
                    other_id: other_id.clone(),
                    other: self.by_id[other_id].origin.clone(),
                });
            }
            self.id_by_number.insert(number, entry.spec.id.clone());
        }
        Ok(())
    }
}

fn parse(origin: &str, text: &str) -> Result<Entry, CatalogError> {
    let spec: ConnectorSpec = toml::from_str(text).map_err(|e| CatalogError::Parse {
        file: origin.to_string(),
        message: e.to_string(),
    })?;
    check(Entry {
        spec,
        origin: origin.to_string(),
    })
}

fn check(entry: Entry) -> Result<Entry, CatalogError> {
    let errors = entry.spec.spec_errors();
    if errors.is_empty() {
        Ok(entry)
    } else {
        Err(CatalogError::Inconsistent {
            file: entry.origin,
            errors,
        })
    }
}

fn unique_ids(entries: &[Entry]) -> Result<(), CatalogError> {
    for (i, entry) in entries.iter().enumerate() {
        if let Some(other) = entries[..i].iter().find(|o| o.spec.id == entry.spec.id) {
            return Err(CatalogError::DuplicateId {
                file: entry.origin.clone(),
                id: entry.spec.id.clone(),
                other: other.origin.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LANGUAGES;
    use crate::domain::connector::{CheckSpec, Direction};

    #[test]
    fn builtin_catalog_loads_the_required_connectors() {
        let catalog = Catalog::builtin().expect("builtin catalog loads");
        for id in ["sandbox", "postgres", "mysql", "toggl"] {
            assert!(catalog.get(id).is_some(), "{id} missing");
        }
        let toggl = catalog.by_number(130).expect("number 130");
        assert_eq!(toggl.id, "toggl");
        assert_eq!(toggl.name, "Toggl Track");
        assert!(matches!(toggl.check, CheckSpec::Http(_)));
        assert_eq!(catalog.by_number(1).map(|s| s.id.as_str()), Some("sandbox"));
        assert_eq!(
            catalog.by_number(2).map(|s| s.id.as_str()),
            Some("postgres")
        );
        assert_eq!(catalog.by_number(3).map(|s| s.id.as_str()), Some("mysql"));
        assert_eq!(catalog.len(), catalog.all().count());
    }

    #[test]
    fn builtin_connectors_match_the_design() {
        let catalog = Catalog::builtin().expect("loads");
        let sandbox = catalog.get("sandbox").expect("sandbox");
        assert_eq!(sandbox.categories, ["HRIS", "ATS", "ASSESSMENT", "LMS"]);
        assert_eq!(sandbox.directions, [Direction::Source]);
        assert!(
            sandbox
                .field("api_key")
                .is_some_and(|f| f.secret && f.required)
        );
        for id in ["postgres", "mysql"] {
            let db = catalog.get(id).expect(id);
            assert_eq!(db.categories, ["DATABASE"]);
            assert!(
                db.has_direction(Direction::Source) && db.has_direction(Direction::Destination)
            );
            assert!(db.field("password").is_some_and(|f| f.secret));
        }
        let port = |id| {
            catalog
                .get(id)
                .and_then(|s| s.field("port")?.default.clone())
        };
        assert_eq!(port("postgres"), Some(serde_json::json!(5432)));
        assert_eq!(port("mysql"), Some(serde_json::json!(3306)));
        let toggl = catalog.get("toggl").expect("toggl");
        assert_eq!(toggl.categories, ["TIME_TRACKING"]);
        assert_eq!(toggl.directions, [Direction::Source]);
    }

    #[test]
    fn all_is_sorted_by_id() {
        let catalog = Catalog::builtin().expect("loads");
        let ids: Vec<&str> = catalog.all().map(|s| s.id.as_str()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn builtin_files_are_named_after_their_id() {
        for file in BUILTIN.files() {
            let text = file.contents_utf8().expect("utf-8");
            let spec: ConnectorSpec = toml::from_str(text).expect("parses");
            assert_eq!(
                file.path().to_str(),
                Some(format!("{}.toml", spec.id).as_str())
            );
        }
    }

    #[test]
    fn every_builtin_field_is_translated_into_every_language() {
        let catalog = Catalog::builtin().expect("loads");
        for spec in catalog.all() {
            for field in &spec.fields {
                for lang in LANGUAGES {
                    for (what, texts) in [("label", &field.label), ("help", &field.help)] {
                        assert!(
                            texts.get(lang).is_some_and(|t| !t.trim().is_empty()),
                            "{}.{} has no {what} in {lang}",
                            spec.id,
                            field.key
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn builtin_defaults_validate() {
        let catalog = Catalog::builtin().expect("loads");
        let toggl = catalog.get("toggl").expect("toggl");
        let mut config = serde_json::Map::new();
        config.insert("api_token".into(), "abc".into());
        let v = toggl.validate(&config).expect("valid");
        assert_eq!(v.str("base_url"), Some("https://api.track.toggl.com"));
        for bad in [
            "https://x/",
            "ftp://x",
            "https://user@x",
            "https://x?y=1",
            "/etc",
        ] {
            config.insert("base_url".into(), bad.into());
            assert!(toggl.validate(&config).is_err(), "{bad}");
        }
        let postgres = catalog.get("postgres").expect("postgres");
        let mut config = serde_json::Map::new();
        for (k, v) in [
            ("host", "/var/run/postgresql"),
            ("database", "d"),
            ("user", "u"),
            ("password", "p"),
        ] {
            config.insert(k.into(), v.into());
        }
        let errors = postgres
            .validate(&config)
            .expect_err("a socket path is not a host");
        assert_eq!(errors[0].field, "host");
        for host in ["db.example.com", "10.0.0.1", "::1", "localhost"] {
            config.insert("host".into(), host.into());
            assert!(postgres.validate(&config).is_ok(), "{host}");
        }
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).expect("write");
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "portico-catalog-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::now_v7()
        ));
        std::fs::create_dir_all(&dir).expect("mkdir");
        dir
    }

    const EXTRA: &str = r#"
        id = "acme"
        number = 9001
        name = "Acme HR"
        categories = ["HRIS"]
        directions = ["source"]
        check = { kind = "none" }
        [[fields]]
        key = "token"
        type = "string"
        required = true
        secret = true
        label = { en = "Token" }
    "#;

    #[test]
    fn an_extra_directory_adds_connectors() {
        let dir = temp_dir("adds");
        write(&dir, "acme.toml", EXTRA);
        write(&dir, "notes.txt", "not a connector");
        let catalog = Catalog::load(Some(&dir)).expect("loads");
        assert_eq!(catalog.get("acme").map(|s| s.number), Some(9001));
        assert_eq!(catalog.len(), Catalog::builtin().expect("loads").len() + 1);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn an_extra_file_with_a_builtin_id_overrides_it() {
        let dir = temp_dir("override");
        write(
            &dir,
            "toggl.toml",
            &EXTRA
                .replace("\"acme\"", "\"toggl\"")
                .replace("9001", "130"),
        );
        let catalog = Catalog::load(Some(&dir)).expect("loads");
        assert_eq!(
            catalog.get("toggl").map(|s| s.name.as_str()),
            Some("Acme HR")
        );
        assert_eq!(
            catalog.by_number(130).map(|s| s.name.as_str()),
            Some("Acme HR")
        );
        std::fs::remove_dir_all(dir).ok();
    }

    /// A pick list shows names: two tools of one name could not be told apart.
    #[test]
    fn builtin_connectors_have_distinct_names() {
        let catalog = Catalog::builtin().expect("loads");
        let mut names: Vec<String> = catalog.all().map(|s| s.name.to_lowercase()).collect();
        names.sort();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "a name is used twice");
    }

    #[test]
    fn duplicate_ids_and_numbers_are_rejected() {
        let dir = temp_dir("dup-id");
        write(&dir, "a.toml", EXTRA);
        write(&dir, "b.toml", &EXTRA.replace("9001", "9002"));
        let err = Catalog::load(Some(&dir)).expect_err("duplicate id");
        assert!(matches!(err, CatalogError::DuplicateId { .. }), "{err}");
        assert!(err.to_string().contains("b.toml"), "{err}");
        std::fs::remove_dir_all(dir).ok();

        let dir = temp_dir("dup-number");
        write(&dir, "acme.toml", &EXTRA.replace("9001", "130"));
        let err = Catalog::load(Some(&dir)).expect_err("duplicate number");
        let message = err.to_string();
        assert!(
            message.contains("acme.toml") && message.contains("toggl"),
            "{message}"
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn an_inconsistent_or_unparsable_file_is_named_in_the_error() {
        let dir = temp_dir("bad");
        write(&dir, "acme.toml", &EXTRA.replace("9001", "0"));
        let err = Catalog::load(Some(&dir)).expect_err("number 0");
        let message = err.to_string();
        assert!(
            message.contains("acme.toml") && message.contains("number"),
            "{message}"
        );
        std::fs::remove_dir_all(dir).ok();

        let dir = temp_dir("unparsable");
        write(&dir, "acme.toml", &EXTRA.replace("name = ", "nome = "));
        let err = Catalog::load(Some(&dir)).expect_err("unknown key");
        assert!(matches!(err, CatalogError::Parse { .. }));
        assert!(err.to_string().contains("acme.toml"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_missing_directory_is_an_error() {
        let err = Catalog::load(Some(Path::new("/nonexistent/portico-connectors")))
            .expect_err("missing dir");
        assert!(matches!(err, CatalogError::ReadDir { .. }));
    }

    #[test]
    fn from_specs_checks_like_files() {
        let builtin = Catalog::builtin().expect("loads");
        let toggl = builtin.get("toggl").expect("toggl").clone();
        let catalog = Catalog::from_specs([toggl.clone()]).expect("one spec");
        assert_eq!(catalog.len(), 1);
        let err = Catalog::from_specs([toggl.clone(), toggl]).expect_err("twice");
        assert!(matches!(err, CatalogError::DuplicateId { .. }));
    }
}

//! A connector spec with a field of every kind, and configs for it, shared by the unit tests.

use super::{CheckSpec, ConnectorSpec, Direction, FieldSpec, FieldType};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub(super) fn field(key: &str, kind: FieldType) -> FieldSpec {
    FieldSpec {
        key: key.into(),
        kind,
        required: false,
        secret: false,
        default: None,
        pattern: None,
        min: None,
        max: None,
        options: vec![],
        label: BTreeMap::from([("en".into(), key.into())]),
        help: BTreeMap::new(),
    }
}

pub(super) fn db_spec() -> ConnectorSpec {
    ConnectorSpec {
        id: "postgres".into(),
        number: 2,
        name: "PostgreSQL".into(),
        categories: vec!["DATABASE".into()],
        directions: vec![Direction::Source, Direction::Destination],
        fields: vec![
            FieldSpec {
                required: true,
                pattern: Some("[a-z0-9.-]+".into()),
                max: Some(253),
                ..field("host", FieldType::String)
            },
            FieldSpec {
                required: true,
                default: Some(json!(5432)),
                min: Some(1),
                max: Some(65535),
                ..field("port", FieldType::Integer)
            },
            FieldSpec {
                required: true,
                ..field("database", FieldType::String)
            },
            FieldSpec {
                required: true,
                min: Some(2),
                max: Some(5),
                ..field("user", FieldType::String)
            },
            FieldSpec {
                required: true,
                secret: true,
                ..field("password", FieldType::String)
            },
            FieldSpec {
                options: vec!["disable".into(), "prefer".into(), "require".into()],
                default: Some(json!("prefer")),
                ..field("ssl_mode", FieldType::Enum)
            },
            field("read_only", FieldType::Boolean),
        ],
        check: CheckSpec::Postgres,
        oauth2: None,
    }
}

pub(super) fn config(v: Value) -> Map<String, Value> {
    v.as_object().expect("an object").clone()
}

pub(super) fn good() -> Map<String, Value> {
    config(
        json!({"host": "db.example.com", "database": "app", "user": "bob", "password": "s3cret"}),
    )
}

pub(super) fn errors_of(spec: &ConnectorSpec, c: Map<String, Value>) -> Vec<(String, String)> {
    let errors = spec.validate(&c).expect_err("should fail");
    errors.into_iter().map(|e| (e.field, e.message)).collect()
}

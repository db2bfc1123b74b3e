//! Rebuild when embedded data changes: connector files, locales, migrations and static assets
//! are compiled into the binary, and cargo does not see them on its own.

fn main() {
    for dir in ["connectors", "locales", "migrations", "static", "templates"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}

//! An account's branding on guest pages and emails: a display name, a primary colour and a
//! logo (PNG or JPEG, recognised by its bytes, at most [`MAX_LOGO_BYTES`]).

use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::FieldError;
use super::invitation::explicit_null;

/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;
/// Largest logo, in bytes (256 KiB).
pub const MAX_LOGO_BYTES: usize = 256 * 1024;

/// The name guests read: "{display name} asks you to connect {connector}". Trimmed, 1 to 100
/// characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<DisplayName, &'static str> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("must not be empty (send null to remove it)");
        }
        if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
            return Err("must be at most 100 characters");
        }
        if name.chars().any(char::is_control) {
            return Err("must not contain control characters");
        }
        Ok(DisplayName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A primary colour, `#rrggbb` in lowercase (`#rgb` is accepted and widened).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour([u8; 3]);

/// The text colour of guest pages (`--ink` in `static/style.css`).
const INK: Colour = Colour([0x1b, 0x1f, 0x24]);
const BLACK: Colour = Colour([0, 0, 0]);
const WHITE: Colour = Colour([0xff, 0xff, 0xff]);

impl Colour {
    pub fn parse(raw: &str) -> Result<Colour, &'static str> {
        const WRONG: &str = "must be a colour as #rrggbb or #rgb";
        let hex = raw.trim().strip_prefix('#').ok_or(WRONG)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(WRONG);
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..=i], 16).expect("checked hex digit");
        match hex.len() {
            3 => Ok(Colour([digit(0) * 17, digit(1) * 17, digit(2) * 17])),
            6 => Ok(Colour([
                digit(0) * 16 + digit(1),
                digit(2) * 16 + digit(3),
                digit(4) * 16 + digit(5),
            ])),
            _ => Err(WRONG),
        }
    }

    /// The six lowercase hex digits, without `#`: what names the colour's stylesheet.
    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }

    /// `#rrggbb`.
    pub fn css(&self) -> String {
        format!("#{}", self.hex())
    }

    /// WCAG 2 relative luminance.
    fn luminance(&self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0[0]) + 0.7152 * channel(self.0[1]) + 0.0722 * channel(self.0[2])
    }

    /// WCAG 2 contrast ratio, 1 to 21.
    fn contrast(&self, other: &Colour) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// Black or white, whichever reads better on this colour (a button's text).
    pub fn ink(&self) -> Colour {
        if self.contrast(&BLACK) >= self.contrast(&WHITE) {
            BLACK
        } else {
            WHITE
        }
    }

    /// This colour where it is readable as text on white (4.5:1, for links and the focus
    /// ring), else the pages' own ink: a pale brand colour would hide them.
    pub fn on_white(&self) -> Colour {
        if self.contrast(&WHITE) >= 4.5 {
            *self
        } else {
            INK
        }
    }

    /// The stylesheet of `/g/assets/brand/{rrggbb}.css`: the custom properties
    /// `static/style.css` reads (`--accent` for the primary button, `--accent-ink` for its
    /// text, `--accent-text` for links, link buttons and the focus ring), and the link rule
    /// (a rule in `style.css` using a property that is not set would change the default look).
    pub fn stylesheet(&self) -> String {
        format!(
            "/* Portico branding: {} */\n:root {{ --accent: {}; --accent-ink: {}; --accent-text: {}; }}\n\
             :where(a:any-link) {{ color: var(--accent-text); }}\n",
            self.css(),
            self.css(),
            self.ink().css(),
            self.on_white().css(),
        )
    }
}

/// The two image types a logo may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoType {
    Png,
    Jpeg,
}

impl LogoType {
    pub fn content_type(self) -> &'static str {
        match self {
            LogoType::Png => "image/png",
            LogoType::Jpeg => "image/jpeg",
        }
    }

    pub fn from_content_type(declared: &str) -> Option<LogoType> {
        match declared.trim().to_ascii_lowercase().as_str() {
            "image/png" => Some(LogoType::Png),
            "image/jpeg" => Some(LogoType::Jpeg),
            _ => None,
        }
    }

    /// What the bytes are, by their magic numbers alone.
    fn sniff(bytes: &[u8]) -> Option<LogoType> {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        const JPEG: &[u8] = b"\xff\xd8\xff";
        if bytes.starts_with(PNG) {
            Some(LogoType::Png)
        } else if bytes.starts_with(JPEG) {
            Some(LogoType::Jpeg)
        } else {
            None
        }
    }
}

/// A logo to store: PNG or JPEG by its bytes and by its declared type, which must agree, so
/// it is served with a content type that describes it (and never as SVG or HTML).
#[derive(Clone, PartialEq, Eq)]
pub struct Logo {
    pub kind: LogoType,
    pub bytes: Vec<u8>,
    /// Hex SHA-256 of the bytes: the logo's URL, naming no account.
    pub hash: String,
}

impl std::fmt::Debug for Logo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logo")
            .field("kind", &self.kind)
            .field("len", &self.bytes.len())
            .field("hash", &self.hash)
            .finish()
    }
}

impl Logo {
    pub fn parse(bytes: Vec<u8>, declared: &str) -> Result<Logo, &'static str> {
        let declared =
            LogoType::from_content_type(declared).ok_or("must be image/png or image/jpeg")?;
        if bytes.is_empty() {
            return Err("must not be empty");
        }
        if bytes.len() > MAX_LOGO_BYTES {
            return Err("must be at most 256 KiB");
        }
        match LogoType::sniff(&bytes) {
            None => Err("is not a PNG or JPEG image"),
            Some(found) if found != declared => {
                Err("is declared as one image type but its bytes are another")
            }
            Some(kind) => Ok(Logo {
                kind,
                hash: hex::encode(Sha256::digest(&bytes)),
                bytes,
            }),
        }
    }

    /// A data URL: `data:image/png;base64,...` or `data:image/jpeg;base64,...`.
    pub fn from_data_url(url: &str) -> Result<Logo, &'static str> {
        const WRONG: &str =
            "must be a data URL: data:image/png;base64,... or data:image/jpeg;base64,...";
        let rest = url
            .strip_prefix("data:")
            .or_else(|| url.strip_prefix("DATA:"))
            .ok_or(WRONG)?;
        let (meta, data) = rest.split_once(',').ok_or(WRONG)?;
        let media = meta
            .strip_suffix(";base64")
            .or_else(|| meta.strip_suffix(";BASE64"))
            .ok_or(WRONG)?;
        LogoType::from_content_type(media).ok_or("must be image/png or image/jpeg")?;
        // Reject what cannot decode to at most the limit before decoding it.
        if data.len() > MAX_LOGO_BYTES.div_ceil(3) * 4 + 4 {
            return Err("must be at most 256 KiB");
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim_end())
            .map_err(|_| "is not valid base64")?;
        Logo::parse(bytes, media)
    }
}

/// A stored logo as the account shows it: its hash (the URL), never its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoRef {
    pub hash: String,
}

/// An account's branding; every part optional, and guest pages look as usual without it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Branding {
    pub display_name: Option<DisplayName>,
    pub primary_color: Option<Colour>,
    pub logo: Option<LogoRef>,
}

impl Branding {
    /// The path of the logo, under the public URL.
    pub fn logo_path(&self) -> Option<String> {
        self.logo
            .as_ref()
            .map(|logo| format!("/g/assets/logos/{}", logo.hash))
    }

    /// The path of the colour's stylesheet.
    pub fn stylesheet_path(&self) -> Option<String> {
        self.primary_color
            .map(|c| format!("/g/assets/brand/{}.css", c.hex()))
    }
}

/// Validated changes to the branding: `None` keeps a part, `Some(None)` removes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrandingChanges {
    pub display_name: Option<Option<DisplayName>>,
    pub primary_color: Option<Option<Colour>>,
    pub logo: Option<Option<Logo>>,
}

impl BrandingChanges {
    /// Removes every part.
    pub fn clear_all() -> BrandingChanges {
        BrandingChanges {
            display_name: Some(None),
            primary_color: Some(None),
            logo: Some(None),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.display_name.is_none() && self.primary_color.is_none() && self.logo.is_none()
    }
}

/// `branding` of `PATCH /v1/account`: each key optional, `null` removes that part.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BrandingPatch {
    /// Shown to guests as "{display_name} asks you to connect {connector}"; 1 to 100
    /// characters.
    #[serde(default, deserialize_with = "explicit_null")]
    #[schema(value_type = Option<String>, max_length = 100, example = "Acme")]
    pub display_name: Option<Option<String>>,
    /// `#rrggbb` (or `#rgb`): the primary button, links and focus ring of guest pages.
    #[serde(default, deserialize_with = "explicit_null")]
    #[schema(value_type = Option<String>, example = "#0a7d5a")]
    pub primary_color: Option<Option<String>>,
    /// A PNG or JPEG of at most 256 KiB as a data URL (`data:image/png;base64,...`).
    #[serde(default, deserialize_with = "explicit_null")]
    #[schema(value_type = Option<String>, example = "data:image/png;base64,iVBORw0KGgo...")]
    pub logo: Option<Option<String>>,
}

impl BrandingPatch {
    /// Checks every part; errors are named `branding.{part}`.
    pub fn validate(self) -> Result<BrandingChanges, Vec<FieldError>> {
        let mut errors = Vec::new();
        fn part<T>(
            errors: &mut Vec<FieldError>,
            field: &str,
            value: Option<Option<String>>,
            parse: impl Fn(&str) -> Result<T, &'static str>,
        ) -> Option<Option<T>> {
            match value {
                None => None,
                Some(None) => Some(None),
                Some(Some(raw)) => match parse(&raw) {
                    Ok(value) => Some(Some(value)),
                    Err(message) => {
                        errors.push(FieldError::new(format!("branding.{field}"), message));
                        None
                    }
                },
            }
        }
        let changes = BrandingChanges {
            display_name: part(
                &mut errors,
                "display_name",
                self.display_name,
                DisplayName::parse,
            ),
            primary_color: part(
                &mut errors,
                "primary_color",
                self.primary_color,
                Colour::parse,
            ),
            logo: part(&mut errors, "logo", self.logo, Logo::from_data_url),
        };
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF";

    fn data_url(kind: &str, bytes: &[u8]) -> String {
        format!(
            "data:{kind};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"a".repeat(100)).is_ok());
        assert!(DisplayName::parse(&"é".repeat(101)).is_err());
        assert!(DisplayName::parse("Ac\u{0}me").is_err());
        assert!(DisplayName::parse("Ac\nme").is_err());
        assert!(DisplayName::parse("Ac\u{1b}[31mme").is_err());
        // Markup is text: escaped where it is shown, not refused.
        assert_eq!(DisplayName::parse("<script>").unwrap().as_str(), "<script>");
    }

    #[test]
    fn colours_are_normalised_to_lowercase_six_digits() {
        assert_eq!(Colour::parse("#0A7D5A").unwrap().css(), "#0a7d5a");
        assert_eq!(Colour::parse("#abc").unwrap().css(), "#aabbcc");
        assert_eq!(Colour::parse(" #FFF ").unwrap().hex(), "ffffff");
        for bad in [
            "0a7d5a",
            "#0a7d5",
            "#0a7d5a0",
            "#ggg",
            "red",
            "",
            "#",
            "#12345z",
            "#+12345",
            "#１２３",
            "rgb(1,2,3)",
            "#abc;}",
        ] {
            assert!(Colour::parse(bad).is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn button_text_is_black_or_white_by_contrast() {
        assert_eq!(Colour::parse("#ffee00").unwrap().ink(), BLACK);
        assert_eq!(Colour::parse("#ffffff").unwrap().ink(), BLACK);
        assert_eq!(Colour::parse("#0b5fff").unwrap().ink(), WHITE);
        assert_eq!(Colour::parse("#000000").unwrap().ink(), WHITE);
        assert_eq!(Colour::parse("#7a0019").unwrap().ink(), WHITE);
    }

    #[test]
    fn pale_colours_do_not_colour_links() {
        assert_eq!(Colour::parse("#ffee00").unwrap().on_white(), INK);
        let dark = Colour::parse("#0a5d3a").unwrap();
        assert_eq!(dark.on_white(), dark);
    }

    #[test]
    fn the_stylesheet_sets_the_properties_style_css_reads() {
        let css = Colour::parse("#ffee00").unwrap().stylesheet();
        assert!(css.contains("--accent: #ffee00;"), "{css}");
        assert!(css.contains("--accent-ink: #000000;"), "{css}");
        assert!(css.contains("--accent-text: #1b1f24;"), "{css}");
    }

    #[test]
    fn png_and_jpeg_are_recognised_by_their_bytes() {
        let png = Logo::parse(PNG.to_vec(), "image/png").unwrap();
        assert_eq!(png.kind, LogoType::Png);
        assert_eq!(png.hash, hex::encode(Sha256::digest(PNG)));
        assert_eq!(png.hash.len(), 64);
        let jpeg = Logo::parse(JPEG.to_vec(), "IMAGE/JPEG").unwrap();
        assert_eq!(jpeg.kind.content_type(), "image/jpeg");
    }

    #[test]
    fn disguised_images_and_documents_are_refused() {
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
        let html = b"<!doctype html><script>alert(1)</script>";
        let gif = b"GIF89a\x01\0\x01\0";
        for bytes in [&svg[..], &html[..], &gif[..]] {
            assert_eq!(
                Logo::parse(bytes.to_vec(), "image/png"),
                Err("is not a PNG or JPEG image")
            );
        }
        // A PNG signature after something else is not a PNG.
        let mut prefixed = b"<svg>".to_vec();
        prefixed.extend_from_slice(PNG);
        assert!(Logo::parse(prefixed, "image/png").is_err());
        for declared in ["image/gif", "image/svg+xml", "text/html", "image/jpg", ""] {
            assert_eq!(
                Logo::parse(PNG.to_vec(), declared),
                Err("must be image/png or image/jpeg")
            );
        }
    }

    #[test]
    fn the_declared_type_must_match_the_bytes() {
        assert!(Logo::parse(JPEG.to_vec(), "image/png").is_err());
        assert!(Logo::parse(PNG.to_vec(), "image/jpeg").is_err());
    }

    #[test]
    fn logos_are_at_most_256_kib() {
        let mut big = PNG.to_vec();
        big.resize(MAX_LOGO_BYTES, 0);
        assert!(Logo::parse(big.clone(), "image/png").is_ok());
        big.push(0);
        assert_eq!(
            Logo::parse(big.clone(), "image/png"),
            Err("must be at most 256 KiB")
        );
        assert_eq!(
            Logo::from_data_url(&data_url("image/png", &big)),
            Err("must be at most 256 KiB")
        );
        assert!(Logo::parse(Vec::new(), "image/png").is_err());
    }

    #[test]
    fn data_urls_name_their_type_and_carry_base64() {
        let logo = Logo::from_data_url(&data_url("image/png", PNG)).unwrap();
        assert_eq!(logo.bytes, PNG);
        assert!(Logo::from_data_url(&data_url("image/jpeg", JPEG)).is_ok());
        assert!(Logo::from_data_url(&data_url("image/jpeg", PNG)).is_err());
        assert!(Logo::from_data_url(&data_url("image/svg+xml", b"<svg/>")).is_err());
        assert!(Logo::from_data_url(&data_url("image/gif", b"GIF89a")).is_err());
        for bad in [
            "https://example.com/logo.png",
            "data:image/png,plain",
            "data:image/png;base64",
            "data:image/png;base64,!!!",
            "",
        ] {
            assert!(Logo::from_data_url(bad).is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn a_branding_patch_names_each_bad_part_and_keeps_nulls_as_removals() {
        let errors = BrandingPatch {
            display_name: Some(Some(" ".into())),
            primary_color: Some(Some("blue".into())),
            logo: Some(Some(data_url("image/png", b"GIF89a"))),
        }
        .validate()
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "branding.display_name",
                "branding.primary_color",
                "branding.logo"
            ]
        );

        let changes = BrandingPatch {
            display_name: Some(None),
            primary_color: Some(Some("#ABC".into())),
            logo: None,
        }
        .validate()
        .unwrap();
        assert_eq!(changes.display_name, Some(None));
        assert_eq!(
            changes.primary_color,
            Some(Some(Colour([0xaa, 0xbb, 0xcc])))
        );
        assert_eq!(changes.logo, None);
    }

    #[test]
    fn paths_name_the_hash_and_the_colour() {
        let branding = Branding {
            display_name: None,
            primary_color: Some(Colour::parse("#0A7D5A").unwrap()),
            logo: Some(LogoRef {
                hash: "ab".repeat(32),
            }),
        };
        assert_eq!(
            branding.logo_path().unwrap(),
            format!("/g/assets/logos/{}", "ab".repeat(32))
        );
        assert_eq!(
            branding.stylesheet_path().unwrap(),
            "/g/assets/brand/0a7d5a.css"
        );
    }
}

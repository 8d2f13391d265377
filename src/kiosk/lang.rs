//! The kiosk's languages: more than the reception desk's ja/en (core's `Lang`), since
//! the patient, not the staff, reads the kiosk.

/// A language the kiosk speaks. Japanese comes with furigana on the consent wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KioskLang {
    #[default]
    Ja,
    En,
    /// Simplified Chinese.
    ZhHans,
    Ko,
    Vi,
}

impl KioskLang {
    /// In the order the language buttons show them.
    pub const ALL: [KioskLang; 5] = [Self::Ja, Self::En, Self::ZhHans, Self::Ko, Self::Vi];

    /// The BCP 47 tag: the `lang` attribute and the mount option.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Ja => "ja",
            Self::En => "en",
            Self::ZhHans => "zh-Hans",
            Self::Ko => "ko",
            Self::Vi => "vi",
        }
    }

    /// The language for a tag (case-insensitive; `zh-CN` and `zh` mean Simplified Chinese).
    pub fn from_tag(tag: &str) -> Option<Self> {
        match tag.trim().to_ascii_lowercase().as_str() {
            "ja" => Some(Self::Ja),
            "en" => Some(Self::En),
            "zh-hans" | "zh" | "zh-cn" => Some(Self::ZhHans),
            "ko" => Some(Self::Ko),
            "vi" => Some(Self::Vi),
            _ => None,
        }
    }

    /// The language's own name, as its button shows it (in that language).
    pub fn own_name(self) -> &'static str {
        match self {
            Self::Ja => "日本語",
            Self::En => "English",
            Self::ZhHans => "简体中文",
            Self::Ko => "한국어",
            Self::Vi => "Tiếng Việt",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_aliases() {
        for lang in KioskLang::ALL {
            assert_eq!(KioskLang::from_tag(lang.tag()), Some(lang));
        }
        assert_eq!(KioskLang::from_tag("zh-CN"), Some(KioskLang::ZhHans));
        assert_eq!(KioskLang::from_tag("fr"), None);
    }
}

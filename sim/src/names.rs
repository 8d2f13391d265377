//! Synthetic names and addresses.
//!
//! Given names are put together from common name parts and surnames come from a list of
//! common family names, so a generated person is a combination, never someone in
//! particular. Readings are half-width katakana because that is how the terminal sends
//! `NameKana`; places are invented.

use rand::seq::SliceRandom;
use rand::Rng;

/// A name part in kanji with its half-width reading.
type Part = (&'static str, &'static str);

const SURNAMES: &[Part] = &[
    ("山田", "ﾔﾏﾀﾞ"),
    ("佐藤", "ｻﾄｳ"),
    ("鈴木", "ｽｽﾞｷ"),
    ("高橋", "ﾀｶﾊｼ"),
    ("田中", "ﾀﾅｶ"),
    ("伊藤", "ｲﾄｳ"),
    ("渡辺", "ﾜﾀﾅﾍﾞ"),
    ("中村", "ﾅｶﾑﾗ"),
    ("小林", "ｺﾊﾞﾔｼ"),
    ("加藤", "ｶﾄｳ"),
    ("吉田", "ﾖｼﾀﾞ"),
    ("山本", "ﾔﾏﾓﾄ"),
    ("松本", "ﾏﾂﾓﾄ"),
    ("井上", "ｲﾉｳｴ"),
    ("木村", "ｷﾑﾗ"),
    ("林", "ﾊﾔｼ"),
    ("清水", "ｼﾐｽﾞ"),
    ("山口", "ﾔﾏｸﾞﾁ"),
    ("森", "ﾓﾘ"),
    ("池田", "ｲｹﾀﾞ"),
    ("橋本", "ﾊｼﾓﾄ"),
    ("石川", "ｲｼｶﾜ"),
    ("前田", "ﾏｴﾀﾞ"),
    ("藤田", "ﾌｼﾞﾀ"),
    ("小川", "ｵｶﾞﾜ"),
    ("岡田", "ｵｶﾀﾞ"),
    ("後藤", "ｺﾞﾄｳ"),
    ("長谷川", "ﾊｾｶﾞﾜ"),
    ("村上", "ﾑﾗｶﾐ"),
    ("近藤", "ｺﾝﾄﾞｳ"),
    ("坂本", "ｻｶﾓﾄ"),
    ("遠藤", "ｴﾝﾄﾞｳ"),
    ("青木", "ｱｵｷ"),
    ("西村", "ﾆｼﾑﾗ"),
    ("福田", "ﾌｸﾀﾞ"),
    ("太田", "ｵｵﾀ"),
    ("三浦", "ﾐｳﾗ"),
    ("藤原", "ﾌｼﾞﾜﾗ"),
    ("岡本", "ｵｶﾓﾄ"),
    ("松田", "ﾏﾂﾀﾞ"),
];

const MALE_HEADS: &[Part] = &[
    ("健", "ｹﾝ"),
    ("大", "ﾀﾞｲ"),
    ("翔", "ｼｮｳ"),
    ("誠", "ｾｲ"),
    ("雄", "ﾕｳ"),
    ("浩", "ｺｳ"),
    ("和", "ｶｽﾞ"),
    ("正", "ﾏｻ"),
    ("博", "ﾋﾛ"),
    ("拓", "ﾀｸ"),
    ("直", "ﾅｵ"),
    ("智", "ﾄﾓ"),
    ("康", "ﾔｽ"),
    ("光", "ﾐﾂ"),
    ("隆", "ﾀｶ"),
];

const MALE_TAILS: &[Part] = &[
    ("太", "ﾀ"),
    ("一", "ｲﾁ"),
    ("介", "ｽｹ"),
    ("也", "ﾔ"),
    ("樹", "ｷ"),
    ("人", "ﾄ"),
    ("平", "ﾍｲ"),
    ("郎", "ﾛｳ"),
    ("斗", "ﾄ"),
    ("司", "ｼﾞ"),
];

const FEMALE_HEADS: &[Part] = &[
    ("花", "ﾊﾅ"),
    ("美", "ﾐ"),
    ("由", "ﾕ"),
    ("陽", "ﾖｳ"),
    ("優", "ﾕｳ"),
    ("真", "ﾏ"),
    ("千", "ﾁ"),
    ("明", "ｱｹ"),
    ("絵", "ｴ"),
    ("久", "ﾋｻ"),
    ("理", "ﾘ"),
    ("沙", "ｻ"),
    ("奈", "ﾅ"),
];

const FEMALE_TAILS: &[Part] = &[
    ("子", "ｺ"),
    ("美", "ﾐ"),
    ("香", "ｶ"),
    ("恵", "ｴ"),
    ("奈", "ﾅ"),
    ("里", "ﾘ"),
    ("代", "ﾖ"),
    ("江", "ｴ"),
    ("乃", "ﾉ"),
];

/// Invented town names for addresses.
const TOWNS: &[&str] = &[
    "本町", "緑町", "中央", "栄町", "旭町", "桜台", "若葉", "東雲", "宮前", "川端",
];

/// A family name: kanji and reading.
pub(crate) fn surname<R: Rng>(rng: &mut R) -> Part {
    *SURNAMES.choose(rng).unwrap_or(&SURNAMES[0])
}

/// A given name for the sex (`male`), put together from two parts.
pub(crate) fn given_name<R: Rng>(rng: &mut R, male: bool) -> (String, String) {
    let (heads, tails) = if male {
        (MALE_HEADS, MALE_TAILS)
    } else {
        (FEMALE_HEADS, FEMALE_TAILS)
    };
    let head = heads.choose(rng).unwrap_or(&heads[0]);
    // "美美" and the like are not names; take the next tail instead.
    let mut tail_index = rng.gen_range(0..tails.len());
    if tails[tail_index].0 == head.0 {
        tail_index = (tail_index + 1) % tails.len();
    }
    let tail = tails[tail_index];
    (
        format!("{}{}", head.0, tail.0),
        format!("{}{}", head.1, tail.1),
    )
}

/// The full name as the terminal writes it: `山田　花子` / `ﾔﾏﾀﾞ ﾊﾅｺ`.
pub(crate) fn full_name(surname: Part, given: &(String, String)) -> (String, String) {
    (
        format!("{}\u{3000}{}", surname.0, given.0),
        format!("{} {}", surname.1, given.1),
    )
}

/// An invented street address within `city` and a matching-looking postal code.
pub(crate) fn address<R: Rng>(rng: &mut R, prefecture: &str, city: &str) -> (String, String) {
    let town = TOWNS.choose(rng).unwrap_or(&TOWNS[0]);
    let block = format!(
        "{}－{}－{}",
        rng.gen_range(1..=5),
        rng.gen_range(1..=30),
        rng.gen_range(1..=20)
    );
    let post = format!(
        "{:03}-{:04}",
        rng.gen_range(100..=999),
        rng.gen_range(0..=9999)
    );
    (
        format!("{prefecture}{city}{town}{}", full_width_digits(&block)),
        post,
    )
}

/// Addresses on the wire carry full-width digits.
pub(crate) fn full_width_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0xFF10 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn is_half_width_kana(text: &str) -> bool {
        text.chars()
            .all(|c| c == ' ' || ('\u{FF61}'..='\u{FF9F}').contains(&c))
    }

    #[test]
    fn every_reading_is_half_width_katakana() {
        for (_, kana) in SURNAMES
            .iter()
            .chain(MALE_HEADS)
            .chain(MALE_TAILS)
            .chain(FEMALE_HEADS)
            .chain(FEMALE_TAILS)
        {
            assert!(is_half_width_kana(kana), "{kana}");
        }
    }

    #[test]
    fn names_join_kanji_with_ideographic_space_and_kana_with_ascii_space() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for male in [true, false] {
            let given = given_name(&mut rng, male);
            let (kanji, kana) = full_name(("山田", "ﾔﾏﾀﾞ"), &given);
            assert!(kanji.starts_with("山田\u{3000}"));
            assert!(kana.starts_with("ﾔﾏﾀﾞ "));
            assert!(is_half_width_kana(&kana));
            assert_eq!(kanji.chars().count(), 5);
        }
    }

    #[test]
    fn addresses_use_full_width_digits_and_hyphenated_postcodes() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let (address, post) = address(&mut rng, "東京都", "緑川市");
        assert!(address.starts_with("東京都緑川市"));
        assert!(!address.chars().any(|c| c.is_ascii_digit()));
        assert_eq!(post.len(), 8);
        assert_eq!(&post[3..4], "-");
    }
}

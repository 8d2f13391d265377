//! The insurers people of the population belong to.
//!
//! Numbers follow the real layout (法別 2 + 都道府県 2 + 保険者別 3 + 検証 1; 国保 without
//! 法別) and carry a correct check digit, so they pass the same validation as real cards.
//! 協会けんぽ branches and 後期 広域連合 exist once per prefecture as in reality; the
//! 健保組合 and the cities running 国保 are invented, with 保険者別番号 in the 9xx range
//! so they do not pose as real insurers.

use rand::Rng;
use serde::{Deserialize, Serialize};

use onshi_core::insurer::{check_digit, InsurerNumber};

/// The kind of public medical insurance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InsurerKind {
    /// 協会けんぽ (法別 01).
    Kyokai,
    /// 健康保険組合 (法別 06).
    Kumiai,
    /// 市町村国保: 6-digit insurer number.
    Kokuho,
    /// 後期高齢者医療 (法別 39): no 記号, no 枝番.
    Kouki,
}

/// An insurer: its number as printed (6 or 8 digits) and its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Insurer {
    pub kind: InsurerKind,
    pub number: String,
    pub name: String,
    /// Name of the prefecture, for addresses of its insured.
    pub prefecture: String,
    /// City of its insured's addresses.
    pub city: String,
}

impl Insurer {
    /// As it travels in XML ([`InsurerNumber::wire`]): 8 characters, a 6-digit 国保 number
    /// left-padded with spaces. Numbers here are built from digits in the lengths core
    /// accepts; were one not, it would go as it is (and fail the shape tests).
    pub fn wire(&self) -> String {
        InsurerNumber::parse(&self.number).map_or_else(|_| self.number.clone(), |n| n.wire())
    }
}

struct Prefecture {
    code: &'static str,
    name: &'static str,
    /// Relative share of people living there.
    weight: u32,
}

const PREFECTURES: &[Prefecture] = &[
    Prefecture {
        code: "01",
        name: "北海道",
        weight: 5,
    },
    Prefecture {
        code: "04",
        name: "宮城県",
        weight: 3,
    },
    Prefecture {
        code: "11",
        name: "埼玉県",
        weight: 8,
    },
    Prefecture {
        code: "12",
        name: "千葉県",
        weight: 7,
    },
    Prefecture {
        code: "13",
        name: "東京都",
        weight: 20,
    },
    Prefecture {
        code: "14",
        name: "神奈川県",
        weight: 10,
    },
    Prefecture {
        code: "23",
        name: "愛知県",
        weight: 8,
    },
    Prefecture {
        code: "26",
        name: "京都府",
        weight: 3,
    },
    Prefecture {
        code: "27",
        name: "大阪府",
        weight: 10,
    },
    Prefecture {
        code: "28",
        name: "兵庫県",
        weight: 6,
    },
    Prefecture {
        code: "34",
        name: "広島県",
        weight: 3,
    },
    Prefecture {
        code: "40",
        name: "福岡県",
        weight: 6,
    },
];

/// Parts of invented city names; every (first, second) pair is a different city.
const CITY_FIRST: &[&str] = &[
    "桜", "緑", "東", "北", "南", "若葉", "白鷺", "朝日", "青葉", "星見", "梅", "松",
];
const CITY_SECOND: &[&str] = &["川", "台", "山", "野"];

/// Invented companies running a 健康保険組合, with the prefecture of their seat.
const KUMIAI: &[(&str, &str)] = &[
    ("若葉精機", "13"),
    ("白樺物産", "13"),
    ("青嵐運輸", "27"),
    ("星見電機", "23"),
    ("朝凪食品", "14"),
    ("松風化学", "13"),
    ("銀杏建設", "27"),
    ("紅葉情報サービス", "13"),
];

/// `body` followed by its check digit.
pub(crate) fn with_check_digit(body: &str) -> String {
    // Bodies are built from digits here, so the check digit always exists.
    let digit = check_digit(body).unwrap_or(0);
    format!("{body}{digit}")
}

fn prefecture(code: &str) -> &'static Prefecture {
    PREFECTURES
        .iter()
        .find(|p| p.code == code)
        .unwrap_or(&PREFECTURES[4])
}

/// A prefecture code drawn by population share.
pub(crate) fn random_prefecture<R: Rng>(rng: &mut R) -> &'static str {
    let total: u32 = PREFECTURES.iter().map(|p| p.weight).sum();
    let mut pick = rng.gen_range(0..total);
    for p in PREFECTURES {
        if pick < p.weight {
            return p.code;
        }
        pick -= p.weight;
    }
    PREFECTURES[4].code
}

fn city_name(prefecture_code: &str, index: usize) -> String {
    let position = PREFECTURES
        .iter()
        .position(|p| p.code == prefecture_code)
        .unwrap_or(4);
    let i = position * 2 + index % 2;
    format!(
        "{}{}市",
        CITY_FIRST[i % CITY_FIRST.len()],
        CITY_SECOND[(i / CITY_FIRST.len()) % CITY_SECOND.len()]
    )
}

/// 全国健康保険協会 ○○支部 of a prefecture: 01 + pref + 001 + check.
pub fn kyokai(prefecture_code: &str) -> Insurer {
    let pref = prefecture(prefecture_code);
    let branch = match pref.name {
        "北海道" => "北海道",
        name => name.trim_end_matches(['都', '府', '県']),
    };
    Insurer {
        kind: InsurerKind::Kyokai,
        number: with_check_digit(&format!("01{}001", pref.code)),
        name: format!("全国健康保険協会{branch}支部"),
        prefecture: pref.name.to_string(),
        city: city_name(pref.code, 0),
    }
}

/// One of the invented 健康保険組合 (index wraps around).
pub fn kumiai(index: usize) -> Insurer {
    let (company, code) = KUMIAI[index % KUMIAI.len()];
    let pref = prefecture(code);
    let own = 900 + 11 * (index % KUMIAI.len());
    Insurer {
        kind: InsurerKind::Kumiai,
        number: with_check_digit(&format!("06{}{own:03}", pref.code)),
        name: format!("{company}健康保険組合"),
        prefecture: pref.name.to_string(),
        city: city_name(pref.code, index),
    }
}

/// The number of invented 健康保険組合.
pub(crate) fn kumiai_count() -> usize {
    KUMIAI.len()
}

/// 国保 of one of the two invented cities of a prefecture: pref + city code + check.
pub fn kokuho(prefecture_code: &str, city_index: usize) -> Insurer {
    let pref = prefecture(prefecture_code);
    let city = city_name(pref.code, city_index);
    let own = 901 + 12 * (city_index % 2);
    Insurer {
        kind: InsurerKind::Kokuho,
        number: with_check_digit(&format!("{}{own:03}", pref.code)),
        name: city.clone(),
        prefecture: pref.name.to_string(),
        city,
    }
}

/// The prefecture's 後期高齢者医療広域連合: 39 + pref + 115 + check.
pub fn kouki(prefecture_code: &str) -> Insurer {
    let pref = prefecture(prefecture_code);
    Insurer {
        kind: InsurerKind::Kouki,
        number: with_check_digit(&format!("39{}115", pref.code)),
        name: format!("{}後期高齢者医療広域連合", pref.name),
        prefecture: pref.name.to_string(),
        city: city_name(pref.code, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_digit_ok(number: &str) -> bool {
        InsurerNumber::parse(number).is_ok_and(|n| n.check_digit_ok())
    }

    #[test]
    fn tokyo_numbers_match_the_published_ones() {
        assert_eq!(kyokai("13").number, "01130012");
        assert_eq!(kyokai("13").name, "全国健康保険協会東京支部");
        assert_eq!(kouki("13").number, "39131156");
        assert_eq!(kouki("13").name, "東京都後期高齢者医療広域連合");
        assert_eq!(kyokai("01").name, "全国健康保険協会北海道支部");
    }

    #[test]
    fn every_insurer_number_has_its_shape_and_check_digit() {
        for p in PREFECTURES {
            for insurer in [
                kyokai(p.code),
                kokuho(p.code, 0),
                kokuho(p.code, 1),
                kouki(p.code),
            ] {
                let len = if insurer.kind == InsurerKind::Kokuho {
                    6
                } else {
                    8
                };
                assert_eq!(insurer.number.len(), len, "{insurer:?}");
                assert!(check_digit_ok(&insurer.number), "{insurer:?}");
                assert_eq!(insurer.wire().len(), 8);
            }
        }
        for i in 0..kumiai_count() {
            let insurer = kumiai(i);
            assert!(insurer.number.starts_with("06"));
            assert!(check_digit_ok(&insurer.number), "{insurer:?}");
        }
    }

    #[test]
    fn kokuho_is_space_padded_on_the_wire_and_cities_differ() {
        let a = kokuho("13", 0);
        let b = kokuho("13", 1);
        assert_eq!(a.wire(), format!("  {}", a.number));
        assert_ne!(a.number, b.number);
        assert_ne!(a.name, b.name);
        assert!(a.name.ends_with('市'));
    }
}

//! OQS code tables (別紙5-1 業務コード仕様, OQSCDnnn) as open enums.
//!
//! The national system keeps adding codes (A1 医療扶助, validity 6, …) and retires others
//! (被保険者証区分 01), so every table keeps an `Unknown(code)` variant instead of failing:
//! a result with a new code must still reach the receptionist. On the wire and in JSON a
//! code travels as its code string, exactly as the terminal wrote it (trimmed).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Display language of labels. Japanese first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

macro_rules! open_code {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal, $ja:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A code this build does not know yet; kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Reads a code as the terminal writes it; surrounding white space is ignored.
            pub fn from_code(code: &str) -> Self {
                match code.trim() {
                    $($code => Self::$variant,)+
                    other => Self::Unknown(other.to_string()),
                }
            }

            /// The code string as it travels on the wire.
            pub fn code(&self) -> &str {
                match self {
                    $(Self::$variant => $code,)+
                    Self::Unknown(code) => code,
                }
            }

            /// The label people read, or `None` for a code this build does not know.
            pub fn label(&self, lang: Lang) -> Option<&'static str> {
                match (self, lang) {
                    $((Self::$variant, Lang::Ja) => Some($ja),
                      (Self::$variant, Lang::En) => Some($en),)+
                    (Self::Unknown(_), _) => None,
                }
            }

            /// The label, or a readable stand-in that still shows the unknown code.
            pub fn describe(&self, lang: Lang) -> String {
                match self.label(lang) {
                    Some(label) => label.to_string(),
                    None => match lang {
                        Lang::Ja => format!("未知のコード ({})", self.code()),
                        Lang::En => format!("unknown code ({})", self.code()),
                    },
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let code = String::deserialize(deserializer)?;
                Ok(Self::from_code(&code))
            }
        }
    };
}

open_code! {
    /// 照会区分 (OQSCD002).
    ReferenceClassification {
        MyNumberCard = "1", "マイナンバーカード", "My Number Card";
        InsuranceCard = "2", "被保険者証情報", "insurance card details";
    }
}

open_code! {
    /// 処理結果区分 (OQSCD003) in the response header.
    SegmentOfResult {
        Completed = "1", "正常終了", "completed";
        InProgress = "2", "処理中", "in progress";
        Failed = "9", "異常終了", "failed";
    }
}

open_code! {
    /// 処理結果状況 (OQSCD004) in the response body.
    ProcessingResultStatus {
        Completed = "1", "正常終了", "completed";
        Error = "2", "エラー", "error";
    }
}

open_code! {
    /// 文字コード識別 (OQSCD005).
    CharacterCode {
        Utf8 = "0", "UTF-8", "UTF-8";
        ShiftJis = "1", "Shift_JIS", "Shift_JIS";
    }
}

open_code! {
    /// 資格有効性 (OQSCD006).
    QualificationValidity {
        Valid = "1", "有効", "valid";
        Invalid = "2", "無効", "invalid";
        InvalidNewQualification = "3", "無効（新しい資格あり）", "invalid (a newer qualification exists)";
        NotFound = "4", "該当資格なし", "no matching qualification";
        Multiple = "5", "複数該当", "several matches";
        ValidUnregistered = "6", "有効（未登録）", "valid (not registered)";
    }
}

open_code! {
    /// 性別 (OQSCD007).
    Sex {
        Male = "1", "男", "male";
        Female = "2", "女", "female";
        NotSet = "3", "未設定", "not set";
    }
}

open_code! {
    /// 資格喪失事由 (OQSCD008).
    ReasonOfLoss {
        Death = "01", "死亡", "death";
        PublicAssistance = "02", "生活保護受給開始", "public assistance started";
        OtherInsurance = "03", "医療保険等の資格取得", "joined other insurance";
        Other = "99", "その他", "other";
    }
}

open_code! {
    /// 本人・家族の別 (OQSCD009).
    PersonalFamily {
        Insured = "1", "本人", "insured person";
        Family = "2", "家族", "family member";
    }
}

open_code! {
    /// 被保険者証区分 (OQSCD010). 01 is 欠番 since 2024-12 but still returned.
    InsuredCardClassification {
        General = "01", "被保険者証（一般）", "insurance card (general)";
        Retired = "02", "被保険者証（退職）", "insurance card (retired)";
        ShortTermGeneral = "03", "短期被保険者証（一般）", "short-term card (general)";
        ShortTermRetired = "04", "短期被保険者証（退職）", "short-term card (retired)";
        QualificationCertificate = "05", "被保険者資格証明書", "certificate of insured status";
        SpecialRetired = "06", "特例退職被保険者証", "special retiree card";
        SelfDefenseForces = "07", "自衛官診療証", "Self-Defense Forces medical card";
        MedicalAssistance = "A1", "医療扶助", "medical assistance";
    }
}

open_code! {
    /// 限度額適用認定証区分 (OQSCD011).
    LimitCertificateClassification {
        Limit = "01", "限度額適用認定証", "ceiling-amount certificate";
        LimitAndReduction = "02", "限度額適用・標準負担額減額認定証", "ceiling and meal-cost reduction certificate";
        Reduction = "03", "標準負担額減額認定証", "meal-cost reduction certificate";
    }
}

open_code! {
    /// 限度額適用認定証 適用区分 (OQSCD012).
    LimitCategory {
        A01 = "A01", "ア", "category A";
        A02 = "A02", "イ", "category I";
        A03 = "A03", "ウ", "category U";
        A04 = "A04", "エ", "category E";
        A05 = "A05", "オ", "category O";
        A06 = "A06", "オ（境）", "category O (boundary)";
        B01 = "B01", "現役並みⅢ", "working-level income III";
        B02 = "B02", "現役並みⅡ", "working-level income II";
        B03 = "B03", "現役並みⅠ", "working-level income I";
        B04 = "B04", "一般", "general";
        B05 = "B05", "低所得Ⅱ", "low income II";
        B06 = "B06", "低所得Ⅰ", "low income I";
        B07 = "B07", "低所得Ⅰ（老福）", "low income I (welfare pension)";
        B08 = "B08", "低所得Ⅰ（境）", "low income I (boundary)";
        B09 = "B09", "一般Ⅱ", "general II";
        B10 = "B10", "一般Ⅰ", "general I";
    }
}

open_code! {
    /// 特定疾病区分 (OQSCD013).
    SpecificDiseaseCategory {
        ChronicRenalFailure = "1", "人工透析を要する慢性腎不全", "chronic renal failure needing dialysis";
        Haemophilia = "2", "血友病", "haemophilia";
        BloodProductHiv = "3", "血液製剤由来HIV", "HIV from blood products";
    }
}

open_code! {
    /// 未就学区分 (OQSCD015).
    Preschool {
        Preschool = "1", "未就学", "preschool child";
    }
}

open_code! {
    /// 同意フラグ: OQSCD001 (0/1) and OQSCD016 (adds 2 expired, 3 hard to obtain).
    ConsentFlag {
        NotGiven = "0", "同意なし", "not given";
        Given = "1", "同意あり", "given";
        Expired = "2", "同意有効期限切れ", "expired";
        HardToObtain = "3", "同意取得困難", "hard to obtain";
    }
}

open_code! {
    /// 処方箋発行形態 (OQSCD017): the patient's choice at the card reader.
    PrescriptionIssueSelect {
        Electronic = "1", "電子処方箋", "electronic prescription";
        Paper = "2", "紙の処方箋", "paper prescription";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_round_trip_and_unknown_ones_are_kept() {
        assert_eq!(
            QualificationValidity::from_code(" 1 "),
            QualificationValidity::Valid
        );
        assert_eq!(QualificationValidity::Valid.code(), "1");
        let new = InsuredCardClassification::from_code("B9");
        assert_eq!(new, InsuredCardClassification::Unknown("B9".into()));
        assert_eq!(new.code(), "B9");
        assert_eq!(new.label(Lang::Ja), None);
        assert_eq!(new.describe(Lang::En), "unknown code (B9)");
        assert_eq!(
            InsuredCardClassification::MedicalAssistance.label(Lang::Ja),
            Some("医療扶助")
        );
    }

    #[test]
    fn codes_serialize_as_their_code_string() {
        let json = serde_json::to_string(&LimitCategory::A03).unwrap();
        assert_eq!(json, "\"A03\"");
        let back: LimitCategory = serde_json::from_str("\"Z99\"").unwrap();
        assert_eq!(back, LimitCategory::Unknown("Z99".into()));
    }
}

//! The curated sample patients: one per case a demo or a test needs to show, always part
//! of every population, stable across seeds.
//!
//! Their birthdates follow the current year so that ages stay in their band (70–74,
//! 後期, 未就学) whatever year the demo runs in.

use serde::{Deserialize, Serialize};
use time::Date;

use onshi_core::api::{QualificationQuery, QueryMethod};
use onshi_core::codes::{
    LimitCategory, PersonalFamily, ReasonOfLoss, Sex, SpecificDiseaseCategory,
};

use crate::clock::{add_days, add_years, date, iso};
use crate::config::Behaviour;
use crate::insurers::{self, with_check_digit, Insurer, InsurerKind};
use crate::person::{Draft, Loss};

/// A sample patient as a receptionist would type them, and what the check should give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamplePatient {
    /// Stable identifier, e.g. `kyokai_insured`.
    pub key: String,
    pub label_ja: String,
    pub label_en: String,
    /// As printed: 6 digits for 国保, otherwise 8.
    pub insurer_number: String,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    /// `YYYY-MM-DD`.
    pub birthdate: String,
    /// A `QualificationStatus` in snake_case, or `timeout`, `in_progress_then_valid`,
    /// `bad_response`.
    pub expected: String,
    /// The name the answer carries; `None` when no record comes back.
    pub name: Option<String>,
    pub name_kana: Option<String>,
    pub behaviour: Behaviour,
}

impl SamplePatient {
    /// The query the reception form sends for this patient.
    pub fn query(&self) -> QualificationQuery {
        QualificationQuery {
            method: QueryMethod::InsuranceCard,
            insurer_number: self.insurer_number.clone(),
            symbol: self.symbol.clone(),
            number: self.number.clone(),
            branch: self.branch.clone(),
            birthdate: self.birthdate.clone(),
            override_check_digit: false,
            limit_consent: false,
        }
    }
}

/// One curated case; `person` is `None` for someone the national system does not know.
struct Case {
    key: &'static str,
    ja: &'static str,
    en: &'static str,
    expected: &'static str,
    insurer: Insurer,
    symbol: &'static str,
    number: String,
    branch: &'static str,
    birth: Date,
    person: Option<Draft>,
}

struct Who {
    name: (&'static str, &'static str),
    sex: Sex,
    family: PersonalFamily,
    insured_name: &'static str,
}

fn draft(
    today: Date,
    insurer: &Insurer,
    symbol: &str,
    number: &str,
    branch: &str,
    birth: Date,
    who: Who,
) -> Draft {
    let qualified = match insurer.kind {
        InsurerKind::Kouki => add_years(birth, 75),
        _ => birth.max(date(today.year() - 8, 4, 1)),
    };
    let address = (
        format!("{}{}本町１－２－３", insurer.prefecture, insurer.city),
        "100-0001".to_string(),
    );
    Draft {
        insurer: insurer.clone(),
        symbol: symbol.to_string(),
        number: number.to_string(),
        branch: branch.to_string(),
        family: who.family,
        name: (who.name.0.to_string(), who.name.1.to_string()),
        sex: who.sex,
        birth,
        insured_name: who.insured_name.to_string(),
        address,
        qualified,
        issued: qualified.max(date(today.year() - 1, 8, 1)),
        loss: None,
        working_income: false,
        kouki_twenty: false,
        limit: None,
        disease: None,
        behaviour: Behaviour::Normal,
    }
}

fn insured(name: (&'static str, &'static str), sex: Sex) -> Who {
    Who {
        name,
        sex,
        family: PersonalFamily::Insured,
        insured_name: name.0,
    }
}

fn cases(today: Date) -> Vec<Case> {
    let y = today.year();
    let born = |age: i32, month: u8, day: u8| date(y - age, month, day);
    let tokyo = insurers::kyokai("13");
    let mut cases = Vec::new();
    let mut add = |key,
                   ja,
                   en,
                   expected,
                   insurer: &Insurer,
                   symbol,
                   number: &str,
                   branch,
                   birth,
                   who: Option<Who>| {
        let person = who.map(|who| draft(today, insurer, symbol, number, branch, birth, who));
        cases.push(Case {
            key,
            ja,
            en,
            expected,
            insurer: insurer.clone(),
            symbol,
            number: number.to_string(),
            branch,
            birth,
            person,
        });
    };

    let father = ("見本\u{3000}太郎", "ﾐﾎﾝ ﾀﾛｳ");
    add(
        "kyokai_insured",
        "協会けんぽ 本人",
        "Kyokai Kenpo, insured person",
        "valid",
        &tokyo,
        "90102030",
        "101",
        "00",
        born(45, 4, 12),
        Some(insured(father, Sex::Male)),
    );
    add(
        "kyokai_family",
        "協会けんぽ 家族",
        "Kyokai Kenpo, family member",
        "valid",
        &tokyo,
        "90102030",
        "101",
        "01",
        born(43, 9, 3),
        Some(Who {
            name: ("見本\u{3000}花子", "ﾐﾎﾝ ﾊﾅｺ"),
            sex: Sex::Female,
            family: PersonalFamily::Family,
            insured_name: father.0,
        }),
    );
    add(
        "preschool",
        "未就学児（2割）",
        "Preschool child (20%)",
        "valid",
        &tokyo,
        "90102030",
        "101",
        "02",
        born(4, 6, 20),
        Some(Who {
            name: ("見本\u{3000}陽斗", "ﾐﾎﾝ ﾊﾙﾄ"),
            sex: Sex::Male,
            family: PersonalFamily::Family,
            insured_name: father.0,
        }),
    );
    add(
        "kokuho",
        "国民健康保険（6桁）",
        "National Health Insurance (6 digits)",
        "valid",
        &insurers::kokuho("13", 0),
        "90",
        "5001",
        "01",
        born(38, 11, 8),
        Some(insured(("試験\u{3000}一郎", "ｼｹﾝ ｲﾁﾛｳ"), Sex::Male)),
    );
    let kouki_number = with_check_digit("9000001");
    add(
        "kouki",
        "後期高齢者医療",
        "Late-stage elderly (75+)",
        "valid",
        &insurers::kouki("13"),
        "",
        &kouki_number,
        "",
        born(82, 2, 14),
        Some(insured(("模擬\u{3000}千代", "ﾓｷﾞ ﾁﾖ"), Sex::Female)),
    );
    add(
        "elderly_70_74",
        "高齢受給者（70〜74歳）",
        "Elderly recipient (70-74)",
        "valid",
        &insurers::kyokai("27"),
        "90270001",
        "12",
        "00",
        born(72, 5, 30),
        Some(insured(("仮野\u{3000}正一", "ｶﾘﾉ ｼｮｳｲﾁ"), Sex::Male)),
    );
    add(
        "limit_certificate",
        "限度額適用認定証あり（同意時に表示）",
        "Ceiling-amount certificate (shown with consent)",
        "valid",
        &insurers::kumiai(0),
        "901",
        "2001",
        "00",
        born(52, 7, 7),
        Some(insured(("例田\u{3000}由美", "ﾚｲﾀﾞ ﾕﾐ"), Sex::Female)),
    );
    add(
        "specific_disease",
        "特定疾病療養受療証あり",
        "Specific-disease certificate",
        "valid",
        &insurers::kumiai(0),
        "901",
        "2002",
        "00",
        born(58, 1, 25),
        Some(insured(("例田\u{3000}浩二", "ﾚｲﾀﾞ ｺｳｼﾞ"), Sex::Male)),
    );
    add(
        "disqualified",
        "資格喪失（無効）",
        "Qualification lost (invalid)",
        "invalid",
        &insurers::kumiai(3),
        "902",
        "3001",
        "00",
        born(34, 10, 2),
        Some(insured(("検証\u{3000}智也", "ｹﾝｼｮｳ ﾄﾓﾔ"), Sex::Male)),
    );
    let mover = ("想定\u{3000}恵", "ｿｳﾃｲ ﾒｸﾞﾐ");
    add(
        "new_qualification",
        "旧保険証（新しい資格あり）",
        "Old card (a newer qualification exists)",
        "invalid_new_qualification",
        &insurers::kyokai("14"),
        "90140001",
        "77",
        "00",
        born(29, 3, 3),
        Some(insured(mover, Sex::Female)),
    );
    add(
        "new_qualification_current",
        "転職後の新しい保険証",
        "New card after changing jobs",
        "valid",
        &insurers::kumiai(4),
        "903",
        "4001",
        "00",
        born(29, 3, 3),
        Some(insured(mover, Sex::Female)),
    );
    add(
        "not_found",
        "該当資格なし（未登録の番号）",
        "Unknown to the system",
        "not_found",
        &tokyo,
        "99999999",
        "9999",
        "00",
        born(50, 1, 1),
        None,
    );
    add(
        "no_answer",
        "端末が応答しない",
        "Terminal never answers",
        "timeout",
        &tokyo,
        "90109999",
        "901",
        "00",
        born(40, 8, 18),
        Some(insured(("空木\u{3000}大輔", "ｳﾂｷﾞ ﾀﾞｲｽｹ"), Sex::Male)),
    );
    add(
        "in_progress",
        "処理中の後に回答",
        "In progress, then answered",
        "in_progress_then_valid",
        &tokyo,
        "90109998",
        "902",
        "00",
        born(36, 12, 1),
        Some(insured(("空木\u{3000}美香", "ｳﾂｷﾞ ﾐｶ"), Sex::Female)),
    );
    add(
        "malformed",
        "壊れた応答ファイル",
        "Malformed answer file",
        "bad_response",
        &tokyo,
        "90109997",
        "903",
        "00",
        born(61, 2, 9),
        Some(insured(("空木\u{3000}健", "ｳﾂｷﾞ ｹﾝ"), Sex::Male)),
    );
    add(
        "shift_jis",
        "Shift_JISの応答",
        "Answer in Shift_JIS",
        "valid",
        &insurers::kokuho("27", 0),
        "91",
        "6001",
        "01",
        born(47, 10, 30),
        Some(insured(("模擬\u{3000}桜子", "ﾓｷﾞ ｻｸﾗｺ"), Sex::Female)),
    );

    for case in &mut cases {
        let Some(person) = case.person.as_mut() else {
            continue;
        };
        match case.key {
            "limit_certificate" => person.limit = Some(LimitCategory::A03),
            "specific_disease" => {
                person.disease = Some((SpecificDiseaseCategory::ChronicRenalFailure, "10000"))
            }
            "disqualified" => {
                person.loss = Some(Loss {
                    date: add_days(today, -60),
                    reason: ReasonOfLoss::OtherInsurance,
                    superseded: false,
                })
            }
            "new_qualification" => {
                person.loss = Some(Loss {
                    date: add_days(today, -45),
                    reason: ReasonOfLoss::OtherInsurance,
                    superseded: true,
                })
            }
            "new_qualification_current" => {
                person.qualified = add_days(today, -44);
                person.issued = person.qualified;
            }
            "no_answer" => person.behaviour = Behaviour::NoAnswer,
            "in_progress" => person.behaviour = Behaviour::InProgressThenAnswer,
            "malformed" => person.behaviour = Behaviour::Malformed,
            "shift_jis" => person.behaviour = Behaviour::ShiftJis,
            _ => {}
        }
    }
    cases
}

/// The sample people as population members.
pub(crate) fn sample_drafts(today: Date) -> Vec<Draft> {
    cases(today)
        .into_iter()
        .filter_map(|case| case.person)
        .collect()
}

/// The sample patients as of `today`.
pub(crate) fn sample_patients(today: Date) -> Vec<SamplePatient> {
    cases(today)
        .into_iter()
        .map(|case| SamplePatient {
            key: case.key.to_string(),
            label_ja: case.ja.to_string(),
            label_en: case.en.to_string(),
            insurer_number: case.insurer.number.clone(),
            symbol: case.symbol.to_string(),
            number: case.number,
            branch: case.branch.to_string(),
            birthdate: iso(case.birth),
            expected: case.expected.to_string(),
            name: case.person.as_ref().map(|p| p.name.0.clone()),
            name_kana: case.person.as_ref().map(|p| p.name.1.clone()),
            behaviour: case
                .person
                .as_ref()
                .map(|p| p.behaviour)
                .unwrap_or_default(),
        })
        .collect()
}

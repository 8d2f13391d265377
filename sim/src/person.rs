//! One insured person of the simulated population and the rules that fill in the record
//! the terminal returns for them (負担割合, 高齢受給者証, 未就学, certificates, card dates).

use serde::Serialize;
use time::Date;

use onshi_core::codes::{
    InsuredCardClassification, LimitCategory, LimitCertificateClassification, PersonalFamily,
    Preschool, QualificationValidity, ReasonOfLoss, Sex, SpecificDiseaseCategory,
};
use onshi_core::qualification::{
    ElderlyRecipient, Insurance, LimitCertificate, LimitCertificateInfo, Person,
    QualificationRecord, SpecificDiseaseCertificate, SpecificDiseaseInfo,
};

use crate::clock::{
    add_days, add_years, age_on, certificate_year_end, certificate_year_start, date, ymd,
};
use crate::config::Behaviour;
use crate::insurers::{Insurer, InsurerKind};

/// A person the simulated national system knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimPerson {
    pub id: u32,
    pub kind: InsurerKind,
    pub validity: QualificationValidity,
    pub behaviour: Behaviour,
    /// The record as the terminal returns it when the patient consented to share
    /// 限度額 and 特定疾病 details; [`crate::answer`] removes them otherwise.
    pub record: QualificationRecord,
}

impl SimPerson {
    pub fn name(&self) -> &str {
        self.record.person.name.as_deref().unwrap_or_default()
    }

    pub fn name_kana(&self) -> &str {
        self.record.person.name_kana.as_deref().unwrap_or_default()
    }

    /// `yyyyMMdd`.
    pub fn birthdate(&self) -> &str {
        self.record.person.birthdate.as_deref().unwrap_or_default()
    }

    /// Wire form, 8 characters.
    pub fn insurer_number(&self) -> &str {
        self.record
            .insurance
            .insurer_number
            .as_deref()
            .unwrap_or_default()
    }

    /// Empty when the card has none (後期).
    pub fn symbol(&self) -> &str {
        self.record.insurance.symbol.as_deref().unwrap_or_default()
    }

    pub fn number(&self) -> &str {
        self.record.insurance.number.as_deref().unwrap_or_default()
    }

    /// Empty when the card has none.
    pub fn branch(&self) -> &str {
        self.record.insurance.branch.as_deref().unwrap_or_default()
    }
}

/// Why a qualification ended, when it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Loss {
    pub date: Date,
    pub reason: ReasonOfLoss,
    /// A newer qualification exists (validity 3) rather than none (validity 2).
    pub superseded: bool,
}

/// Everything that makes a person, before the derived fields are worked out.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub insurer: Insurer,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    pub family: PersonalFamily,
    pub name: (String, String),
    pub sex: Sex,
    pub birth: Date,
    /// 被保険者（世帯主）氏名.
    pub insured_name: String,
    pub address: (String, String),
    pub qualified: Date,
    pub issued: Date,
    pub loss: Option<Loss>,
    /// 現役並み所得: 3割 even at 70–74 or in 後期.
    pub working_income: bool,
    /// 後期 一定以上所得 (2割) when not 現役並み.
    pub kouki_twenty: bool,
    pub limit: Option<LimitCategory>,
    pub disease: Option<(SpecificDiseaseCategory, &'static str)>,
    pub behaviour: Behaviour,
}

/// 未就学: until the 31 March after the sixth birthday (children born 2 April – 1 April
/// start school together).
pub(crate) fn is_preschool(birth: Date, today: Date) -> bool {
    let (month, day) = (u8::from(birth.month()), birth.day());
    let school_year = if (month, day) > (4, 1) {
        birth.year() + 7
    } else {
        birth.year() + 6
    };
    today < date(school_year, 4, 1)
}

/// 高齢受給者証 start: the first of the month after the 70th birthday, or that day itself
/// when the birthday is the 1st.
fn elderly_start(birth: Date) -> Date {
    let seventieth = add_years(birth, 70);
    if seventieth.day() == 1 {
        seventieth
    } else {
        let (year, month) = match u8::from(seventieth.month()) {
            12 => (seventieth.year() + 1, 1),
            m => (seventieth.year(), m + 1),
        };
        date(year, month, 1)
    }
}

impl Draft {
    pub fn build(self, id: u32, today: Date) -> SimPerson {
        let age = age_on(self.birth, today);
        let year_start = certificate_year_start(today);
        let year_end = certificate_year_end(today);
        let preschool = is_preschool(self.birth, today);
        let elderly_band = self.insurer.kind != InsurerKind::Kouki && (70..75).contains(&age);

        let ratio = match self.insurer.kind {
            InsurerKind::Kouki if self.working_income => "030",
            InsurerKind::Kouki if self.kouki_twenty => "020",
            InsurerKind::Kouki => "010",
            _ if elderly_band && self.working_income => "030",
            _ if elderly_band || preschool => "020",
            _ => "030",
        };

        let elderly = elderly_band.then(|| {
            let start = elderly_start(self.birth).max(year_start);
            ElderlyRecipient {
                certificate_date: Some(ymd(start)),
                valid_start_date: Some(ymd(start)),
                valid_end_date: Some(ymd(year_end)),
                contribution_ratio: Some(ratio.to_string()),
            }
        });

        // 後期 and 国保 cards are reissued every year with a printed expiry.
        let expiration = matches!(self.insurer.kind, InsurerKind::Kouki | InsurerKind::Kokuho)
            .then(|| ymd(year_end));

        let limit = LimitCertificateInfo {
            consent: None,
            consent_time: None,
            certificate: self.limit.map(|category| {
                let reduced = matches!(
                    category,
                    LimitCategory::A05
                        | LimitCategory::B05
                        | LimitCategory::B06
                        | LimitCategory::B07
                        | LimitCategory::B08
                );
                LimitCertificate {
                    classification: Some(if reduced {
                        LimitCertificateClassification::LimitAndReduction
                    } else {
                        LimitCertificateClassification::Limit
                    }),
                    category: Some(category),
                    certificate_date: Some(ymd(year_start)),
                    valid_start_date: Some(ymd(year_start)),
                    valid_end_date: Some(ymd(year_end)),
                    long_term_date: None,
                }
            }),
        };

        let specific_diseases = SpecificDiseaseInfo {
            consent: None,
            consent_time: None,
            certificates: self
                .disease
                .map(|(category, self_pay)| {
                    let start = self.qualified.max(add_days(today, -400));
                    vec![SpecificDiseaseCertificate {
                        category: Some(category),
                        certificate_date: Some(ymd(start)),
                        valid_start_date: Some(ymd(start)),
                        valid_end_date: None,
                        self_pay: Some(self_pay.to_string()),
                    }]
                })
                .unwrap_or_default(),
        };

        let validity = match &self.loss {
            None => QualificationValidity::Valid,
            Some(loss) if loss.superseded => QualificationValidity::InvalidNewQualification,
            Some(_) => QualificationValidity::Invalid,
        };

        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let record = QualificationRecord {
            person: Person {
                name: Some(self.name.0),
                name_kana: Some(self.name.1),
                sex1: Some(self.sex),
                birthdate: Some(ymd(self.birth)),
                address: Some(self.address.0),
                post_number: Some(self.address.1),
                ..Person::default()
            },
            insurance: Insurance {
                card_classification: Some(InsuredCardClassification::General),
                insurer_number: Some(self.insurer.wire()),
                insurer_name: Some(self.insurer.name.clone()),
                symbol: non_empty(&self.symbol),
                number: Some(self.number),
                branch: non_empty(&self.branch),
                personal_family: Some(self.family),
                insured_name: Some(self.insured_name),
                qualification_date: Some(ymd(self.qualified)),
                disqualification_date: self.loss.as_ref().map(|l| ymd(l.date)),
                reason_of_loss: self.loss.as_ref().map(|l| l.reason.clone()),
                certificate_issuance_date: Some(ymd(self.issued)),
                card_valid_date: Some(ymd(self.issued)),
                card_expiration_date: expiration,
                partial_contribution_ratio: Some(ratio.to_string()),
                preschool: preschool.then_some(Preschool::Preschool),
            },
            elderly,
            limit,
            specific_diseases,
            ..QualificationRecord::default()
        };

        SimPerson {
            id,
            kind: self.insurer.kind,
            validity,
            behaviour: self.behaviour,
            record,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preschool_ends_on_the_first_april_after_the_sixth_birthday() {
        let born_may = date(2020, 5, 10);
        assert!(is_preschool(born_may, date(2027, 3, 31)));
        assert!(!is_preschool(born_may, date(2027, 4, 1)));
        let born_april_first = date(2020, 4, 1);
        assert!(is_preschool(born_april_first, date(2026, 3, 31)));
        assert!(!is_preschool(born_april_first, date(2026, 4, 1)));
    }

    #[test]
    fn elderly_certificate_starts_the_month_after_the_seventieth_birthday() {
        assert_eq!(elderly_start(date(1956, 6, 15)), date(2026, 7, 1));
        assert_eq!(elderly_start(date(1956, 6, 1)), date(2026, 6, 1));
        assert_eq!(elderly_start(date(1956, 12, 20)), date(2027, 1, 1));
    }
}

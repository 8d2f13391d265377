//! View models of an answer: which words, which colour class, which rows. Everything
//! the result card decides lives here as pure functions, so `html!` only lays it out.

use onshi_core::api::{ErrorCode, QualificationAnswer, QualificationStatus};
use onshi_core::codes::{ConsentFlag, Lang};
use onshi_core::qualification::{QualificationRecord, ViewingConsent};
use onshi_core::wareki;

use crate::api::ClientError;
use crate::i18n::{self, text, Msg};

/// Validity in words plus a class for its colour (the colour is never the only cue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Badge {
    pub msg: Msg,
    pub class: &'static str,
}

pub fn status_badge(status: &QualificationStatus) -> Badge {
    let (msg, class) = match status {
        QualificationStatus::Valid => (Msg::StatusValid, "onshi-badge--valid"),
        QualificationStatus::ValidUnregistered => {
            (Msg::StatusValidUnregistered, "onshi-badge--valid")
        }
        QualificationStatus::Invalid => (Msg::StatusInvalid, "onshi-badge--invalid"),
        QualificationStatus::InvalidNewQualification => {
            (Msg::StatusInvalidNew, "onshi-badge--invalid")
        }
        QualificationStatus::NotFound => (Msg::StatusNotFound, "onshi-badge--notfound"),
        QualificationStatus::Multiple => (Msg::StatusMultiple, "onshi-badge--multiple"),
        QualificationStatus::Unknown => (Msg::StatusUnknown, "onshi-badge--unknown"),
    };
    Badge { msg, class }
}

/// The sentence under the badge, for outcomes that need the receptionist to act.
pub fn status_explanation(status: &QualificationStatus) -> Option<Msg> {
    match status {
        QualificationStatus::Valid | QualificationStatus::ValidUnregistered => None,
        QualificationStatus::Invalid => Some(Msg::ExplainInvalid),
        QualificationStatus::InvalidNewQualification => Some(Msg::ExplainInvalidNew),
        QualificationStatus::NotFound => Some(Msg::ExplainNotFound),
        QualificationStatus::Multiple => Some(Msg::ExplainMultiple),
        QualificationStatus::Unknown => Some(Msg::ExplainUnknown),
    }
}

/// `"030"` → 3割 / 30%. `None` for anything that is not a percentage.
pub fn ratio_text(raw: &str, lang: Lang) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let percent: u32 = raw.parse().ok().filter(|p| *p <= 100)?;
    Some(i18n::ratio(lang, percent))
}

/// A date in both calendars, e.g. "1985年4月12日（昭和60年4月12日）"; unreadable values
/// are shown as written rather than hidden.
pub fn date_text(raw: &str, lang: Lang) -> String {
    match wareki::format_western(raw, lang) {
        Some(western) => match wareki::to_wareki(raw) {
            Some(era) => format!("{western}（{era}）"),
            None => western,
        },
        None => raw.trim().to_string(),
    }
}

fn timestamp_text(raw: &str) -> String {
    wareki::format_timestamp(raw).unwrap_or_else(|| raw.trim().to_string())
}

/// One labelled line of the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub label: Msg,
    pub value: String,
    /// Draws attention (e.g. the date of loss on an invalid result).
    pub emphasis: bool,
}

/// A titled group of rows; empty groups are never built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: Msg,
    pub rows: Vec<Row>,
}

/// Everything one result card shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordCard {
    pub name: Option<String>,
    pub kana: Option<String>,
    pub rows: Vec<Row>,
    pub sections: Vec<Section>,
}

struct Rows(Vec<Row>);

impl Rows {
    fn push(&mut self, label: Msg, value: Option<String>) {
        self.push_marked(label, value, false);
    }

    fn push_marked(&mut self, label: Msg, value: Option<String>, emphasis: bool) {
        if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
            self.0.push(Row {
                label,
                value,
                emphasis,
            });
        }
    }
}

fn some_trimmed(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Builds the card of one record. `today` (`yyyyMMdd`) gives the age.
pub fn record_card(record: &QualificationRecord, lang: Lang, today: &str) -> RecordCard {
    let person = &record.person;
    let insurance = &record.insurance;
    let mut rows = Rows(Vec::new());

    rows.push(Msg::NameOfOther, some_trimmed(&person.name_of_other));
    if let Some(birth) = some_trimmed(&person.birthdate) {
        rows.push(Msg::Birthdate, Some(date_text(&birth, lang)));
        rows.push(
            Msg::Age,
            wareki::age_on(&birth, today).map(|years| i18n::age(lang, years)),
        );
    }
    rows.push(Msg::Sex, person.sex1.as_ref().map(|s| s.describe(lang)));
    let insurer = match (
        some_trimmed(&insurance.insurer_name),
        some_trimmed(&insurance.insurer_number),
    ) {
        (Some(name), Some(number)) => Some(format!("{name}（{number}）")),
        (name, number) => name.or(number),
    };
    rows.push(Msg::Insurer, insurer);
    rows.push(
        Msg::CardClassification,
        insurance
            .card_classification
            .as_ref()
            .map(|c| c.describe(lang)),
    );
    let card_number = [&insurance.symbol, &insurance.number, &insurance.branch]
        .map(|part| some_trimmed(part).unwrap_or_else(|| "—".to_string()))
        .join(" ・ ");
    let has_card_number = [&insurance.symbol, &insurance.number, &insurance.branch]
        .iter()
        .any(|p| some_trimmed(p).is_some());
    rows.push(
        Msg::SymbolNumberBranch,
        has_card_number.then_some(card_number),
    );
    rows.push(
        Msg::PersonalFamily,
        insurance.personal_family.as_ref().map(|p| p.describe(lang)),
    );
    rows.push(Msg::InsuredName, some_trimmed(&insurance.insured_name));
    rows.push(
        Msg::ContributionRatio,
        insurance
            .partial_contribution_ratio
            .as_deref()
            .and_then(|r| ratio_text(r, lang)),
    );
    rows.push(
        Msg::QualificationDate,
        some_trimmed(&insurance.qualification_date).map(|d| date_text(&d, lang)),
    );
    rows.push_marked(
        Msg::DisqualificationDate,
        some_trimmed(&insurance.disqualification_date).map(|d| date_text(&d, lang)),
        true,
    );
    rows.push(
        Msg::ReasonOfLoss,
        insurance.reason_of_loss.as_ref().map(|r| r.describe(lang)),
    );
    rows.push(
        Msg::CardValidUntil,
        some_trimmed(&insurance.card_expiration_date).map(|d| date_text(&d, lang)),
    );
    rows.push(
        Msg::Preschool,
        insurance.preschool.as_ref().map(|p| p.describe(lang)),
    );
    rows.push(Msg::ReferenceNumber, some_trimmed(&record.reference_number));

    let sections = [
        elderly_section(record, lang),
        limit_section(record, lang),
        specific_disease_section(record, lang),
        consent_section(record, lang),
    ]
    .into_iter()
    .flatten()
    .collect();

    RecordCard {
        name: some_trimmed(&person.name),
        kana: some_trimmed(&person.name_kana),
        rows: rows.0,
        sections,
    }
}

fn section(title: Msg, rows: Rows) -> Option<Section> {
    (!rows.0.is_empty()).then_some(Section {
        title,
        rows: rows.0,
    })
}

fn dated(value: &Option<String>, lang: Lang) -> Option<String> {
    some_trimmed(value).map(|d| date_text(&d, lang))
}

fn elderly_section(record: &QualificationRecord, lang: Lang) -> Option<Section> {
    let elderly = record.elderly.as_ref()?;
    let mut rows = Rows(Vec::new());
    rows.push(
        Msg::ElderlyRatio,
        elderly
            .contribution_ratio
            .as_deref()
            .and_then(|r| ratio_text(r, lang)),
    );
    rows.push(
        Msg::ValidPeriod,
        i18n::period(
            dated(&elderly.valid_start_date, lang),
            dated(&elderly.valid_end_date, lang),
        ),
    );
    section(Msg::Elderly, rows)
}

fn consent_text(flag: &Option<ConsentFlag>, time: &Option<String>, lang: Lang) -> Option<String> {
    let flag = flag.as_ref()?.describe(lang);
    Some(match some_trimmed(time) {
        Some(time) => format!("{flag}（{}）", timestamp_text(&time)),
        None => flag,
    })
}

fn limit_section(record: &QualificationRecord, lang: Lang) -> Option<Section> {
    let limit = &record.limit;
    let mut rows = Rows(Vec::new());
    rows.push(
        Msg::LimitConsent,
        consent_text(&limit.consent, &limit.consent_time, lang),
    );
    if let Some(certificate) = &limit.certificate {
        rows.push(
            Msg::Limit,
            certificate
                .classification
                .as_ref()
                .map(|c| c.describe(lang)),
        );
        rows.push(
            Msg::LimitCategory,
            certificate.category.as_ref().map(|c| c.describe(lang)),
        );
        rows.push(
            Msg::ValidPeriod,
            i18n::period(
                dated(&certificate.valid_start_date, lang),
                dated(&certificate.valid_end_date, lang),
            ),
        );
    }
    section(Msg::Limit, rows)
}

fn specific_disease_section(record: &QualificationRecord, lang: Lang) -> Option<Section> {
    let info = &record.specific_diseases;
    let mut rows = Rows(Vec::new());
    rows.push(
        Msg::SpecificDiseaseConsent,
        consent_text(&info.consent, &info.consent_time, lang),
    );
    for certificate in &info.certificates {
        rows.push(
            Msg::SpecificDisease,
            certificate.category.as_ref().map(|c| c.describe(lang)),
        );
        rows.push(Msg::SelfPay, some_trimmed(&certificate.self_pay));
        rows.push(
            Msg::ValidPeriod,
            i18n::period(
                dated(&certificate.valid_start_date, lang),
                dated(&certificate.valid_end_date, lang),
            ),
        );
    }
    section(Msg::SpecificDisease, rows)
}

fn viewing_text(consent: &Option<ViewingConsent>, lang: Lang) -> Option<String> {
    let consent = consent.as_ref()?;
    let flag = consent.flag.as_ref()?.describe(lang);
    Some(match some_trimmed(&consent.available_time) {
        Some(until) => format!(
            "{flag}（{} {}）",
            text(lang, Msg::ConsentUntil),
            timestamp_text(&until)
        ),
        None => flag,
    })
}

fn consent_section(record: &QualificationRecord, lang: Lang) -> Option<Section> {
    let consents = &record.viewing_consents;
    let mut rows = Rows(Vec::new());
    rows.push(
        Msg::ConsentMedications,
        viewing_text(&consents.medications, lang),
    );
    rows.push(Msg::ConsentCheckups, viewing_text(&consents.checkups, lang));
    rows.push(
        Msg::ConsentDiagnoses,
        viewing_text(&consents.diagnoses, lang),
    );
    rows.push(
        Msg::ConsentOperations,
        viewing_text(&consents.operations, lang),
    );
    section(Msg::Consents, rows)
}

/// Lines about the answer as a whole: advisory text and when the terminal checked.
pub fn answer_notes(answer: &QualificationAnswer) -> Vec<Row> {
    let mut rows = Rows(Vec::new());
    if answer.status == QualificationStatus::Unknown {
        // A code this build does not know still has to reach the desk verbatim.
        rows.push(Msg::ValidityCode, some_trimmed(&answer.validity_code));
    }
    if let Some(advisory) = &answer.advisory {
        rows.push(Msg::Advisory, some_trimmed(&advisory.message));
    }
    rows.push(
        Msg::CheckedAt,
        some_trimmed(&answer.checked_at).map(|t| timestamp_text(&t)),
    );
    rows.0
}

/// What an error box says, and whether Retry makes sense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorView {
    pub msg: Msg,
    /// The gateway's own message when it adds information (terminal errors).
    pub detail: Option<String>,
    pub retry: bool,
}

pub fn error_view(error: &ClientError) -> ErrorView {
    let plain = |msg, retry| ErrorView {
        msg,
        detail: None,
        retry,
    };
    match error {
        ClientError::Unreachable => plain(Msg::ErrorUnreachable, true),
        ClientError::Timeout => plain(Msg::ErrorTimeout, true),
        ClientError::Cancelled => plain(Msg::CancelledNotice, true),
        ClientError::Decode(_) => plain(Msg::ErrorDecode, true),
        ClientError::Api { error, .. } => {
            let (msg, retry, detail) = match error.code {
                ErrorCode::TerminalTimeout => (Msg::ErrorTimeout, true, false),
                ErrorCode::TerminalBadResponse => (Msg::ErrorBadResponse, true, false),
                ErrorCode::TerminalError => (Msg::ErrorTerminal, true, true),
                ErrorCode::TerminalUnavailable => (Msg::ErrorTerminalUnavailable, true, true),
                ErrorCode::OriginNotAllowed | ErrorCode::HostNotAllowed => {
                    (Msg::ErrorOrigin, false, false)
                }
                ErrorCode::InvalidInput
                | ErrorCode::CheckDigit
                | ErrorCode::BadRequest
                | ErrorCode::NotFound
                | ErrorCode::Internal => (Msg::ErrorGateway, true, true),
            };
            ErrorView {
                msg,
                detail: (detail && !error.message.trim().is_empty()).then(|| error.message.clone()),
                retry,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use onshi_core::api::ApiError;
    use onshi_core::codes::{PersonalFamily, Sex};
    use onshi_core::qualification::{ElderlyRecipient, Insurance, Person, ProcessingResult};

    use super::*;

    fn record() -> QualificationRecord {
        QualificationRecord {
            person: Person {
                name: Some("試験 花子".into()),
                name_kana: Some("ｼｹﾝ ﾊﾅｺ".into()),
                sex1: Some(Sex::Female),
                birthdate: Some("19850412".into()),
                ..Person::default()
            },
            insurance: Insurance {
                insurer_number: Some("01130012".into()),
                insurer_name: Some("試験健康保険組合".into()),
                symbol: Some("123".into()),
                number: Some("4567".into()),
                branch: None,
                personal_family: Some(PersonalFamily::Insured),
                partial_contribution_ratio: Some("030".into()),
                qualification_date: Some("20200401".into()),
                ..Insurance::default()
            },
            ..QualificationRecord::default()
        }
    }

    fn value(card: &RecordCard, label: Msg) -> Option<&str> {
        card.rows
            .iter()
            .find(|r| r.label == label)
            .map(|r| r.value.as_str())
    }

    #[test]
    fn badges_pair_words_with_colour_classes() {
        let valid = status_badge(&QualificationStatus::Valid);
        assert_eq!(text(Lang::Ja, valid.msg), "有効");
        assert_eq!(valid.class, "onshi-badge--valid");
        let invalid = status_badge(&QualificationStatus::Invalid);
        assert_eq!(text(Lang::Ja, invalid.msg), "無効");
        assert_eq!(invalid.class, "onshi-badge--invalid");
        assert_eq!(status_explanation(&QualificationStatus::Valid), None);
        assert_eq!(
            status_explanation(&QualificationStatus::NotFound),
            Some(Msg::ExplainNotFound)
        );
    }

    #[test]
    fn ratios_read_as_wari() {
        assert_eq!(ratio_text("030", Lang::Ja).as_deref(), Some("3割"));
        assert_eq!(ratio_text("010", Lang::Ja).as_deref(), Some("1割"));
        assert_eq!(ratio_text(" 020 ", Lang::En).as_deref(), Some("20%"));
        assert_eq!(ratio_text("abc", Lang::Ja), None);
        assert_eq!(ratio_text("", Lang::Ja), None);
        assert_eq!(ratio_text("999", Lang::Ja), None);
    }

    #[test]
    fn dates_show_both_calendars_or_the_raw_value() {
        assert_eq!(
            date_text("19850412", Lang::Ja),
            "1985年4月12日（昭和60年4月12日）"
        );
        assert_eq!(date_text("2026-1", Lang::Ja), "2026-1");
    }

    #[test]
    fn a_record_card_has_the_reception_essentials() {
        let card = record_card(&record(), Lang::Ja, "20261125");
        assert_eq!(card.name.as_deref(), Some("試験 花子"));
        assert_eq!(card.kana.as_deref(), Some("ｼｹﾝ ﾊﾅｺ"));
        assert_eq!(value(&card, Msg::Age), Some("41歳"));
        assert_eq!(value(&card, Msg::Sex), Some("女"));
        assert_eq!(value(&card, Msg::ContributionRatio), Some("3割"));
        assert_eq!(value(&card, Msg::PersonalFamily), Some("本人"));
        assert_eq!(
            value(&card, Msg::Insurer),
            Some("試験健康保険組合（01130012）")
        );
        assert_eq!(
            value(&card, Msg::SymbolNumberBranch),
            Some("123 ・ 4567 ・ —")
        );
        assert_eq!(value(&card, Msg::DisqualificationDate), None);
        assert!(card.sections.is_empty());
    }

    #[test]
    fn loss_date_is_emphasised_and_optional_sections_appear_when_present() {
        let mut r = record();
        r.insurance.disqualification_date = Some("20260331".into());
        r.elderly = Some(ElderlyRecipient {
            contribution_ratio: Some("020".into()),
            valid_start_date: Some("20260101".into()),
            ..ElderlyRecipient::default()
        });
        let card = record_card(&r, Lang::En, "20261125");
        let loss = card
            .rows
            .iter()
            .find(|row| row.label == Msg::DisqualificationDate)
            .unwrap();
        assert!(loss.emphasis);
        assert!(loss.value.starts_with("2026-03-31"));
        assert_eq!(card.sections.len(), 1);
        assert_eq!(card.sections[0].title, Msg::Elderly);
        assert_eq!(card.sections[0].rows[0].value, "20%");
    }

    #[test]
    fn notes_carry_advisory_and_check_time() {
        let answer = QualificationAnswer {
            status: QualificationStatus::Valid,
            validity_code: Some("1".into()),
            reference_classification: None,
            checked_at: Some("20261125091533".into()),
            advisory: Some(ProcessingResult {
                message: Some("電子証明書の有効期限が近づいています".into()),
                ..ProcessingResult::default()
            }),
            results: vec![],
        };
        let notes = answer_notes(&answer);
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[1].value, "2026-11-25 09:15");
    }

    #[test]
    fn an_unknown_validity_code_is_shown_verbatim() {
        let answer = QualificationAnswer {
            status: QualificationStatus::Unknown,
            validity_code: Some("7".into()),
            reference_classification: None,
            checked_at: None,
            advisory: None,
            results: vec![],
        };
        let notes = answer_notes(&answer);
        assert_eq!(notes[0].label, Msg::ValidityCode);
        assert_eq!(notes[0].value, "7");
        let known = QualificationAnswer {
            status: QualificationStatus::Valid,
            ..answer
        };
        assert!(answer_notes(&known).is_empty());
    }

    #[test]
    fn errors_say_what_happened_and_whether_to_retry() {
        assert_eq!(
            error_view(&ClientError::Unreachable),
            ErrorView {
                msg: Msg::ErrorUnreachable,
                detail: None,
                retry: true
            }
        );
        let terminal = ClientError::Api {
            status: 502,
            error: ApiError {
                code: ErrorCode::TerminalError,
                message: "EQ001 端末エラー".into(),
                fields: Default::default(),
            },
        };
        let view = error_view(&terminal);
        assert_eq!(view.msg, Msg::ErrorTerminal);
        assert_eq!(view.detail.as_deref(), Some("EQ001 端末エラー"));
        let origin = ClientError::Api {
            status: 403,
            error: ApiError {
                code: ErrorCode::OriginNotAllowed,
                message: "no".into(),
                fields: Default::default(),
            },
        };
        assert!(!error_view(&origin).retry);
    }
}

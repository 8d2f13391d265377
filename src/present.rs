//! View models of an answer: which words, which colour class, which rows. Everything
//! the result card decides lives here as pure functions, so `html!` only lays it out.

use onshi_core::api::{ErrorCode, QualificationAnswer, QualificationStatus, ReceptionEventKind};
use onshi_core::card_session::{CardErrorCode, VerificationMethod};
use onshi_core::codes::{ConsentFlag, Lang};
use onshi_core::qualification::{
    MedicalTicket, QualificationRecord, ViewingConsent, ViewingConsents,
};
use onshi_core::wareki;

pub mod in_flight;
pub mod refusal;
pub mod status;

use crate::api::ClientError;
use crate::i18n::{self, text, Msg};
use crate::queue::{Connection, QueueEntry};
use crate::state::Origin;

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
    .chain(
        record
            .medical_tickets
            .iter()
            .filter_map(|ticket| medical_ticket_section(ticket, lang)),
    )
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

/// One 医療券・調剤券 of 医療扶助. Its codes are shown as the terminal wrote them.
fn medical_ticket_section(ticket: &MedicalTicket, lang: Lang) -> Option<Section> {
    let mut rows = Rows(Vec::new());
    rows.push(Msg::TicketType, some_trimmed(&ticket.ticket_type));
    rows.push(
        Msg::ValidPeriod,
        i18n::period(
            dated(&ticket.valid_date, lang),
            dated(&ticket.expiration_date, lang),
        ),
    );
    let institution = match (
        some_trimmed(&ticket.designated_institution_name),
        some_trimmed(&ticket.designated_institution_code),
    ) {
        (Some(name), Some(code)) => Some(format!("{name}（{code}）")),
        (name, code) => name.or(code),
    };
    rows.push(Msg::DesignatedInstitution, institution);
    rows.push(Msg::SelfPayAmount, some_trimmed(&ticket.self_pay_amount));
    section(Msg::MedicalTicket, rows)
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

/// How the patient was identified (and, for the face reader, when), as result rows.
pub fn origin_rows(origin: &Origin, lang: Lang) -> Vec<Row> {
    let via_card = |method: Option<VerificationMethod>| match method {
        Some(VerificationMethod::Pin) => Msg::ViaCardPin,
        Some(VerificationMethod::VisualCheck) => Msg::ViaCardVisual,
        Some(VerificationMethod::FaceRecognition) => Msg::ViaFace,
        None => Msg::ViaCard,
    };
    let via = match origin {
        Origin::InsuranceCard(_) => Msg::ViaInsuranceCard,
        Origin::Face { .. } => Msg::ViaFace,
        Origin::MyNumberCard { verification } => via_card(Some(*verification)),
        Origin::QueuedCard { verification, .. } => via_card(*verification),
    };
    let mut rows = vec![Row {
        label: Msg::VerifiedBy,
        value: text(lang, via).to_string(),
        emphasis: false,
    }];
    if let Origin::Face { received_at, .. } | Origin::QueuedCard { received_at, .. } = origin {
        if let Some(time) = clock_time(received_at) {
            rows.push(Row {
                label: Msg::ReceivedAt,
                value: time,
                emphasis: false,
            });
        }
    }
    rows
}

/// What an error box says, and what the desk can do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorView {
    pub msg: Msg,
    /// The gateway's own message when it adds information (terminal errors).
    pub detail: Option<String>,
    /// Whether sending the same query again may help (a transient failure).
    pub retry: bool,
    /// The entries themselves were refused: point back to the form instead of Retry.
    pub fix_fields: bool,
}

pub fn error_view(error: &ClientError) -> ErrorView {
    let plain = |msg, retry| ErrorView {
        msg,
        detail: None,
        retry,
        fix_fields: false,
    };
    match error {
        ClientError::Unreachable => plain(Msg::ErrorUnreachable, true),
        ClientError::Timeout => plain(Msg::ErrorTimeout, true),
        ClientError::Cancelled => plain(Msg::CancelledNotice, true),
        ClientError::Decode(_) => plain(Msg::ErrorDecode, true),
        ClientError::NotSignedIn => plain(Msg::NotSignedIn, false),
        // Never the answer itself: the rule that failed, for whoever looks into it.
        ClientError::Receipt(reason) => ErrorView {
            msg: Msg::ErrorAnswerSignature,
            detail: Some(reason.to_string()),
            retry: true,
            fix_fields: false,
        },
        ClientError::AnswerSignature(reason) => ErrorView {
            msg: Msg::ErrorAnswerSignature,
            detail: Some(reason.clone()),
            retry: true,
            fix_fields: false,
        },
        ClientError::Api { error, .. } => {
            // The same request gets the same answer for input, protocol and gateway
            // faults; only the terminal side (and a busy reader) is worth retrying.
            let (msg, retry, detail) = match error.code {
                ErrorCode::TerminalTimeout => (Msg::ErrorTimeout, true, false),
                ErrorCode::TerminalBadResponse => (Msg::ErrorBadResponse, true, false),
                ErrorCode::TerminalAnswerMismatch => (Msg::ErrorAnswerMismatch, true, false),
                ErrorCode::TerminalError => (Msg::ErrorTerminal, true, true),
                ErrorCode::TerminalUnavailable => (Msg::ErrorTerminalUnavailable, true, true),
                ErrorCode::OriginNotAllowed | ErrorCode::HostNotAllowed => {
                    (Msg::ErrorOrigin, false, false)
                }
                ErrorCode::InvalidInput | ErrorCode::CheckDigit => {
                    (Msg::ErrorCheckFields, false, true)
                }
                ErrorCode::BadRequest | ErrorCode::NotFound | ErrorCode::Internal => {
                    (Msg::ErrorGatewayFault, false, true)
                }
                ErrorCode::SessionNotWaiting => (Msg::ErrorGateway, true, true),
                // The gateway's message says what is down (its store) and when to retry.
                ErrorCode::StoreUnavailable => (Msg::ErrorGateway, true, true),
                // The gateway is overloaded or hung for a moment: its message says so.
                ErrorCode::Busy | ErrorCode::TooManyStreams => (Msg::ErrorGateway, true, true),
                ErrorCode::RequestTimeout => (Msg::ErrorTimeout, true, false),
                ErrorCode::SessionActive => (Msg::ErrorSessionActive, true, false),
                ErrorCode::ReaderUnavailable => (Msg::CardErrReaderUnavailable, true, false),
                // A 401 reaches the desk only when a fresh credential did not cure it
                // (see `api::authorized`): sending again cannot help, signing in can.
                ErrorCode::CredentialMissing
                | ErrorCode::CredentialInvalid
                | ErrorCode::CredentialExpired => (Msg::SignInAgain, false, false),
                ErrorCode::RoleNotAllowed => (Msg::ErrorRoleNotAllowed, false, false),
                ErrorCode::LicenceNotAllowed => (Msg::ErrorLicenceNotAllowed, false, false),
                // Only the page that started a card session may drive it: a new read.
                ErrorCode::SessionSecretInvalid => (Msg::ErrorSessionSecret, false, false),
                // The pad asks before the last try (src/pin.rs); this is the gateway
                // saying the page did not.
                ErrorCode::LastTryNotConfirmed => (Msg::ErrorLastTryNotConfirmed, false, false),
                // Kiosk consent: the card read must be (re)done; the message says which.
                ErrorCode::SessionNotDone | ErrorCode::SessionTooOld => {
                    (Msg::ErrorGateway, false, true)
                }
            };
            ErrorView {
                msg,
                detail: (detail && !error.message.trim().is_empty()).then(|| error.message.clone()),
                retry,
                fix_fields: matches!(error.code, ErrorCode::InvalidInput | ErrorCode::CheckDigit),
            }
        }
    }
}

/// `HH:MM` of an RFC 3339 time as the gateway writes it (Japan time), e.g.
/// `2026-11-25T08:30:11.123+09:00` → `08:30`.
pub fn clock_time(rfc3339: &str) -> Option<String> {
    let (_, time) = rfc3339.trim().split_once('T')?;
    let hhmm = time.get(..5)?;
    let bytes = hhmm.as_bytes();
    let ok = bytes[2] == b':' && [0, 1, 3, 4].iter().all(|&i| bytes[i].is_ascii_digit());
    ok.then(|| hhmm.to_string())
}

/// One consent category on a queue entry: words, not only colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentBadge {
    pub category: Msg,
    pub given: bool,
}

/// 薬剤 / 特定健診 / 診療 / 手術, in that order; "given" only for flag 1 (同意あり).
pub fn consent_badges(consents: &ViewingConsents) -> Vec<ConsentBadge> {
    let given = |c: &Option<ViewingConsent>| {
        c.as_ref()
            .and_then(|c| c.flag.as_ref())
            .is_some_and(|f| *f == ConsentFlag::Given)
    };
    vec![
        ConsentBadge {
            category: Msg::ConsentShortMedications,
            given: given(&consents.medications),
        },
        ConsentBadge {
            category: Msg::ConsentShortCheckups,
            given: given(&consents.checkups),
        },
        ConsentBadge {
            category: Msg::ConsentShortDiagnoses,
            given: given(&consents.diagnoses),
        },
        ConsentBadge {
            category: Msg::ConsentShortOperations,
            given: given(&consents.operations),
        },
    ]
}

/// What a queue entry shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryView {
    /// A result (face reader or My Number Card) the desk can open.
    Result {
        name: Option<String>,
        kana: Option<String>,
        badge: Badge,
        consents: Vec<ConsentBadge>,
        confirmed: bool,
        /// How the patient was identified (暗証番号 / 目視 / 顔認証), with its wire name
        /// for `data-verification`; `None` when the gateway did not record it.
        method: Option<(Msg, &'static str)>,
    },
    /// A file that could not be read (no patient data is shown).
    Unreadable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntryView {
    pub id: i64,
    pub time: Option<String>,
    pub view: EntryView,
}

pub fn queue_entry(entry: &QueueEntry) -> QueueEntryView {
    let event = &entry.event;
    let view = match (&event.kind, &event.answer) {
        (ReceptionEventKind::FaceResult | ReceptionEventKind::CardResult, Some(answer)) => {
            // A face-reader result is face recognition even when stored before the
            // gateway recorded methods.
            let method = match event.kind {
                ReceptionEventKind::FaceResult => event
                    .verification
                    .or(Some(VerificationMethod::FaceRecognition)),
                _ => event.verification,
            };
            let record = answer.results.first();
            let person = record.map(|r| &r.person);
            EntryView::Result {
                name: person.and_then(|p| some_trimmed(&p.name)),
                kana: person.and_then(|p| some_trimmed(&p.name_kana)),
                badge: status_badge(&answer.status),
                consents: record
                    .map(|r| consent_badges(&r.viewing_consents))
                    .unwrap_or_else(|| consent_badges(&ViewingConsents::default())),
                confirmed: entry.confirmed,
                method: method.map(method_label),
            }
        }
        _ => EntryView::Unreadable,
    };
    QueueEntryView {
        id: event.id,
        time: clock_time(&event.received_at),
        view,
    }
}

/// 暗証番号 / 目視 / 顔認証, and the wire name.
pub fn method_label(method: VerificationMethod) -> (Msg, &'static str) {
    match method {
        VerificationMethod::Pin => (Msg::MethodPin, "pin"),
        VerificationMethod::VisualCheck => (Msg::MethodVisualCheck, "visual_check"),
        VerificationMethod::FaceRecognition => (Msg::MethodFaceRecognition, "face_recognition"),
    }
}

/// 接続中 / 再接続中 / 切断, with a class for the dot beside it.
pub fn connection_label(connection: Connection) -> (Msg, &'static str) {
    match connection {
        Connection::Connecting => (Msg::ConnConnecting, "onshi-conn--connecting"),
        Connection::Open => (Msg::ConnOpen, "onshi-conn--open"),
        Connection::Reconnecting => (Msg::ConnReconnecting, "onshi-conn--reconnecting"),
        Connection::Closed => (Msg::ConnClosed, "onshi-conn--closed"),
    }
}

/// The sentence for a failed card session.
pub fn card_error_msg(code: CardErrorCode) -> Msg {
    match code {
        CardErrorCode::PinBlocked => Msg::CardErrPinBlocked,
        CardErrorCode::CardRemoved => Msg::CardErrCardRemoved,
        CardErrorCode::NotMyNumberCard => Msg::CardErrNotMyNumberCard,
        CardErrorCode::CertificateExpired => Msg::CardErrCertificateExpired,
        CardErrorCode::AuthenticationRejected => Msg::CardErrAuthenticationRejected,
        CardErrorCode::ReaderUnavailable => Msg::CardErrReaderUnavailable,
        CardErrorCode::CardError => Msg::CardErrCardError,
        CardErrorCode::TerminalTimeout => Msg::CardErrTerminalTimeout,
        CardErrorCode::TerminalError => Msg::CardErrTerminalError,
    }
}

/// What the card panel says about a failed session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardFailureView {
    pub msg: Msg,
    /// The gateway's message, when it adds information (terminal errors).
    pub detail: Option<String>,
    /// Whether "read again" (a new session) is offered.
    pub retry: bool,
    /// The wire code, for `data-card-error`.
    pub key: String,
}

pub fn card_failure(error: &onshi_core::card_session::CardSessionError) -> CardFailureView {
    CardFailureView {
        msg: card_error_msg(error.code),
        detail: (error.code == CardErrorCode::TerminalError && !error.message.trim().is_empty())
            .then(|| error.message.clone()),
        retry: crate::card::can_retry(error.code),
        key: card_error_key(error.code),
    }
}

/// The wire name of a card error code, for `data-` hooks.
pub fn card_error_key(code: CardErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
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
            token: None,
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
            token: None,
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
                retry: true,
                fix_fields: false,
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

    fn api_error(code: ErrorCode) -> ClientError {
        ClientError::Api {
            status: 400,
            error: ApiError {
                code,
                message: "m".into(),
                fields: Default::default(),
            },
        }
    }

    #[test]
    fn retry_is_offered_only_where_it_can_help() {
        for code in [
            ErrorCode::TerminalTimeout,
            ErrorCode::TerminalUnavailable,
            ErrorCode::TerminalBadResponse,
            ErrorCode::TerminalAnswerMismatch,
            ErrorCode::TerminalError,
        ] {
            let view = error_view(&api_error(code));
            assert!(view.retry, "{code:?}");
            assert!(!view.fix_fields, "{code:?}");
        }
        assert!(error_view(&ClientError::Unreachable).retry);
        assert!(error_view(&ClientError::Timeout).retry);
        for code in [ErrorCode::InvalidInput, ErrorCode::CheckDigit] {
            let view = error_view(&api_error(code));
            assert!(!view.retry, "{code:?}");
            assert!(view.fix_fields, "{code:?}: point back to the fields");
            assert_eq!(view.msg, Msg::ErrorCheckFields);
        }
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::NotFound,
            ErrorCode::Internal,
        ] {
            let view = error_view(&api_error(code));
            assert!(!view.retry, "{code:?}");
            assert!(!view.fix_fields, "{code:?}");
            assert_eq!(view.msg, Msg::ErrorGatewayFault);
        }
    }

    #[test]
    fn caller_identity_refusals_say_what_to_do_in_words() {
        for (code, msg) in [
            (ErrorCode::CredentialMissing, Msg::SignInAgain),
            (ErrorCode::CredentialInvalid, Msg::SignInAgain),
            (ErrorCode::CredentialExpired, Msg::SignInAgain),
            (ErrorCode::RoleNotAllowed, Msg::ErrorRoleNotAllowed),
            (ErrorCode::LicenceNotAllowed, Msg::ErrorLicenceNotAllowed),
            (ErrorCode::SessionSecretInvalid, Msg::ErrorSessionSecret),
            (
                ErrorCode::LastTryNotConfirmed,
                Msg::ErrorLastTryNotConfirmed,
            ),
        ] {
            let view = error_view(&api_error(code));
            assert_eq!(view.msg, msg, "{code:?}");
            assert!(
                !view.retry,
                "{code:?}: the same request gets the same refusal"
            );
            assert_eq!(view.detail, None, "{code:?}: the words say it all");
        }
        assert_eq!(
            text(
                Lang::Ja,
                error_view(&api_error(ErrorCode::RoleNotAllowed)).msg
            ),
            "この操作は現在の利用者の役割では行えません。"
        );
        let nobody = error_view(&ClientError::NotSignedIn);
        assert_eq!(nobody.msg, Msg::NotSignedIn);
        assert!(!nobody.retry);
    }

    #[test]
    fn an_answer_whose_signature_fails_is_an_error_of_its_own() {
        let view = error_view(&ClientError::AnswerSignature(
            "the answer differs from what the gateway signed".into(),
        ));
        assert_eq!(view.msg, Msg::ErrorAnswerSignature);
        assert!(view.retry, "asking again gets a newly signed answer");
        assert_eq!(
            view.detail.as_deref(),
            Some("the answer differs from what the gateway signed")
        );
        assert!(text(Lang::Ja, view.msg).contains("表示しません"));
    }

    #[test]
    fn unreachable_mentions_the_allowed_origin() {
        let msg = error_view(&ClientError::Unreachable).msg;
        assert!(text(Lang::Ja, msg).contains("--allow-origin"));
        assert!(text(Lang::En, msg).contains("--allow-origin"));
        assert!(text(Lang::En, msg).contains("origin"));
    }

    #[test]
    fn medical_assistance_tickets_are_shown() {
        let mut r = record();
        r.medical_tickets = vec![onshi_core::qualification::MedicalTicket {
            ticket_type: Some("1".into()),
            valid_date: Some("20261101".into()),
            expiration_date: Some("20261130".into()),
            designated_institution_code: Some("1312345678".into()),
            designated_institution_name: Some("試験クリニック".into()),
            self_pay_amount: Some("1000".into()),
            ..Default::default()
        }];
        let card = record_card(&r, Lang::Ja, "20261125");
        let section = card
            .sections
            .iter()
            .find(|s| s.title == Msg::MedicalTicket)
            .expect("a ticket section");
        let value = |label| {
            section
                .rows
                .iter()
                .find(|row| row.label == label)
                .map(|row| row.value.as_str())
        };
        assert_eq!(value(Msg::TicketType), Some("1"));
        assert_eq!(
            value(Msg::ValidPeriod),
            Some("2026年11月1日（令和8年11月1日） 〜 2026年11月30日（令和8年11月30日）")
        );
        assert_eq!(
            value(Msg::DesignatedInstitution),
            Some("試験クリニック（1312345678）")
        );
        assert_eq!(value(Msg::SelfPayAmount), Some("1000"));
        assert!(record_card(&record(), Lang::Ja, "20261125")
            .sections
            .iter()
            .all(|s| s.title != Msg::MedicalTicket));
    }

    #[test]
    fn queue_times_are_hours_and_minutes() {
        assert_eq!(
            clock_time("2026-11-25T08:30:11.123+09:00").as_deref(),
            Some("08:30")
        );
        assert_eq!(clock_time("2026-11-25T8:3").as_deref(), None);
        assert_eq!(clock_time("yesterday"), None);
    }

    fn consent(flag: ConsentFlag) -> Option<ViewingConsent> {
        Some(ViewingConsent {
            flag: Some(flag),
            ..ViewingConsent::default()
        })
    }

    #[test]
    fn a_face_entry_shows_name_validity_consents_and_review_state() {
        use onshi_core::api::ReceptionEvent;
        let mut r = record();
        r.viewing_consents = ViewingConsents {
            medications: consent(ConsentFlag::Given),
            checkups: consent(ConsentFlag::NotGiven),
            diagnoses: consent(ConsentFlag::Expired),
            operations: None,
        };
        let event = ReceptionEvent {
            id: 12,
            received_at: "2026-11-25T09:41:00.000+09:00".into(),
            kind: ReceptionEventKind::FaceResult,
            source_file: "f.xml".into(),
            answer: Some(QualificationAnswer {
                status: QualificationStatus::Invalid,
                validity_code: Some("2".into()),
                reference_classification: None,
                checked_at: None,
                advisory: None,
                results: vec![r],
                token: None,
            }),
            prescription_issue_select: None,
            error: None,
            // Stored before the gateway recorded methods: still face recognition.
            verification: None,
        };
        let view = queue_entry(&QueueEntry {
            event: event.clone(),
            confirmed: true,
        });
        assert_eq!(view.id, 12);
        assert_eq!(view.time.as_deref(), Some("09:41"));
        let EntryView::Result {
            name,
            kana,
            badge,
            consents,
            confirmed,
            method,
        } = view.view
        else {
            panic!("a result")
        };
        assert_eq!(
            method,
            Some((Msg::MethodFaceRecognition, "face_recognition"))
        );
        assert_eq!(name.as_deref(), Some("試験 花子"));
        assert_eq!(kana.as_deref(), Some("ｼｹﾝ ﾊﾅｺ"));
        assert_eq!(badge.class, "onshi-badge--invalid");
        assert!(confirmed);
        let given: Vec<bool> = consents.iter().map(|c| c.given).collect();
        assert_eq!(given, vec![true, false, false, false]);
        assert_eq!(consents[0].category, Msg::ConsentShortMedications);

        let mut unreadable = event.clone();
        unreadable.kind = ReceptionEventKind::FaceError;
        unreadable.answer = None;
        let view = queue_entry(&QueueEntry {
            event: unreadable,
            confirmed: false,
        });
        assert_eq!(view.view, EntryView::Unreadable);

        // A card read at a desk is a result too, with the method it was read by.
        for (method, label, ja, en) in [
            (VerificationMethod::Pin, "pin", "暗証番号", "PIN"),
            (
                VerificationMethod::VisualCheck,
                "visual_check",
                "目視",
                "Visual check",
            ),
        ] {
            let card = ReceptionEvent {
                kind: ReceptionEventKind::CardResult,
                source_file: "card-session/cs-1".into(),
                verification: Some(method),
                ..event.clone()
            };
            let view = queue_entry(&QueueEntry {
                event: card,
                confirmed: false,
            });
            let EntryView::Result {
                name,
                method: Some((msg, key)),
                confirmed: false,
                ..
            } = view.view
            else {
                panic!("a card result with its method: {view:?}")
            };
            assert_eq!(name.as_deref(), Some("試験 花子"));
            assert_eq!(key, label);
            assert_eq!((text(Lang::Ja, msg), text(Lang::En, msg)), (ja, en));
        }
        assert_eq!(text(Lang::Ja, Msg::MethodFaceRecognition), "顔認証");
        let unrecorded = ReceptionEvent {
            kind: ReceptionEventKind::CardResult,
            ..event
        };
        let view = queue_entry(&QueueEntry {
            event: unrecorded,
            confirmed: false,
        });
        assert!(matches!(view.view, EntryView::Result { method: None, .. }));
    }

    #[test]
    fn card_errors_have_their_own_sentences() {
        assert_eq!(
            card_error_msg(CardErrorCode::PinBlocked),
            Msg::CardErrPinBlocked
        );
        assert!(text(Lang::Ja, Msg::CardErrPinBlocked).contains("市区町村窓口"));
        assert!(text(Lang::En, Msg::CardErrPinBlocked).contains("municipal office"));
        assert!(text(Lang::Ja, Msg::CardErrCardRemoved).contains("もう一度カードを置いて"));
        assert_eq!(card_error_key(CardErrorCode::CardRemoved), "card_removed");
        let blocked = card_failure(&onshi_core::card_session::CardSessionError {
            code: CardErrorCode::PinBlocked,
            message: "6984".into(),
        });
        assert!(!blocked.retry, "a blocked PIN needs the municipal office");
        assert_eq!(blocked.detail, None);
        let terminal = card_failure(&onshi_core::card_session::CardSessionError {
            code: CardErrorCode::TerminalError,
            message: "EQ001".into(),
        });
        assert!(terminal.retry);
        assert_eq!(terminal.detail.as_deref(), Some("EQ001"));
        assert_eq!(
            connection_label(Connection::Reconnecting).0,
            Msg::ConnReconnecting
        );
        assert_eq!(text(Lang::Ja, Msg::ConnOpen), "接続中");
        assert_eq!(text(Lang::Ja, Msg::ConnClosed), "切断");
    }

    #[test]
    fn the_result_says_how_the_patient_was_identified() {
        let rows = origin_rows(
            &Origin::MyNumberCard {
                verification: VerificationMethod::VisualCheck,
            },
            Lang::Ja,
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].value, "マイナンバーカード（目視確認）");
        let rows = origin_rows(
            &Origin::Face {
                event_id: 1,
                received_at: "2026-11-25T08:30:11.123+09:00".into(),
            },
            Lang::En,
        );
        assert_eq!(rows[0].value, "My Number Card (face-recognition reader)");
        assert_eq!(
            (rows[1].label, rows[1].value.as_str()),
            (Msg::ReceivedAt, "08:30")
        );
        let queued = |verification| Origin::QueuedCard {
            event_id: 2,
            received_at: "2026-11-25T09:12:00.000+09:00".into(),
            verification,
        };
        let rows = origin_rows(&queued(Some(VerificationMethod::Pin)), Lang::Ja);
        assert_eq!(rows[0].value, "マイナンバーカード（暗証番号）");
        assert_eq!(rows[1].value, "09:12");
        let rows = origin_rows(&queued(None), Lang::En);
        assert_eq!(rows[0].value, "My Number Card");
    }
}

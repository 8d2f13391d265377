//! User-facing text: one [`Msg`] enum and a table per language, so a missing
//! translation is a compile error rather than an empty label at the desk.

mod en;
mod ja;

use onshi_core::codes::Lang;
use onshi_core::roles::Role;

/// Every fixed piece of text the component shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Msg {
    Title,
    LanguageSwitch,
    FormLegend,
    InsurerNumber,
    InsurerNumberHint,
    Symbol,
    SymbolHint,
    Number,
    Branch,
    BranchHint,
    Birthdate,
    BirthdateHint,
    Optional,
    Submit,
    FixFields,
    CheckDigitWarning,
    SendAsPrinted,
    OverrideActive,
    Checking,
    Cancel,
    CancelledNotice,
    Retry,
    NextPatient,
    ResultHeading,
    Candidate,
    StatusValid,
    StatusValidUnregistered,
    StatusInvalid,
    StatusInvalidNew,
    StatusNotFound,
    StatusMultiple,
    StatusUnknown,
    ExplainInvalid,
    ExplainInvalidNew,
    ExplainNotFound,
    ExplainMultiple,
    ExplainUnknown,
    Name,
    NameKana,
    NameOfOther,
    Age,
    Sex,
    Insurer,
    CardClassification,
    SymbolNumberBranch,
    PersonalFamily,
    InsuredName,
    ContributionRatio,
    QualificationDate,
    DisqualificationDate,
    ReasonOfLoss,
    CardValidUntil,
    Preschool,
    Elderly,
    ElderlyRatio,
    ValidPeriod,
    Limit,
    LimitConsent,
    LimitCategory,
    SpecificDisease,
    SpecificDiseaseConsent,
    SelfPay,
    Consents,
    ConsentMedications,
    ConsentCheckups,
    ConsentDiagnoses,
    ConsentOperations,
    ConsentUntil,
    ReferenceNumber,
    Advisory,
    CheckedAt,
    ValidityCode,
    ErrorHeading,
    ErrorUnreachable,
    ErrorTimeout,
    ErrorBadResponse,
    ErrorAnswerMismatch,
    ErrorTerminal,
    ErrorTerminalUnavailable,
    ErrorOrigin,
    ErrorGateway,
    ErrorDecode,
    ErrorCode,
    ErrorSessionActive,
    VerifiedBy,
    ViaInsuranceCard,
    ViaFace,
    ViaCardPin,
    ViaCardVisual,
    /// A My Number Card result whose method was not recorded (stored before it was).
    ViaCard,
    ReceivedAt,
    QueueHeading,
    QueueEmpty,
    QueueUnconfirmed,
    QueueConfirmed,
    QueueFaceError,
    QueueNoName,
    QueueConnection,
    /// Visually hidden label before a queue entry's verification method.
    QueueMethod,
    MethodPin,
    MethodVisualCheck,
    MethodFaceRecognition,
    ConnConnecting,
    ConnOpen,
    ConnReconnecting,
    ConnClosed,
    ConsentGiven,
    ConsentNotGiven,
    ConsentShortMedications,
    ConsentShortCheckups,
    ConsentShortDiagnoses,
    ConsentShortOperations,
    ReadCard,
    CardHeading,
    CardStarting,
    CardWaiting,
    CardReading,
    CardVerifying,
    CardPinPrompt,
    CardCancelledNotice,
    CardStartFailed,
    CardFailedHeading,
    CardRetry,
    CardStepFailed,
    Close,
    CardErrPinBlocked,
    CardErrCardRemoved,
    CardErrNotMyNumberCard,
    CardErrCertificateExpired,
    CardErrAuthenticationRejected,
    CardErrReaderUnavailable,
    CardErrCardError,
    CardErrTerminalTimeout,
    CardErrTerminalError,
    PinLabel,
    PinIncomplete,
    PinWrong,
    PinLowWarning,
    PinLastConfirm,
    PinSend,
    PinConfirmSend,
    PinBack,
    PinClear,
    PinBackspace,
    PinKeypad,
    VisualCheck,
    VisualCheckHeading,
    VisualCheckExplain,
    VisualCheckConfirm,
    VisualCheckSubmit,
    Sending,
    LimitConsentAgree,
    ErrorCheckFields,
    ErrorGatewayFault,
    BackToFields,
    MedicalTicket,
    TicketType,
    DesignatedInstitution,
    SelfPayAmount,
    /// Names the gateway status strip for assistive technology.
    HealthStrip,
    HealthBlockingLabel,
    HealthAdviceLabel,
    HealthGatewayUnreachable,
    HealthTerminalOffline,
    HealthTerminalDegraded,
    HealthStoreUnreachable,
    HealthRecheck,
    HealthChecking,
    /// While the component asks the host page for a credential.
    SignInChecking,
    NotSignedInHeading,
    /// No credential from the host page (also a call refused for want of one).
    NotSignedIn,
    SignInAgainHeading,
    /// The gateway refused the credential and a fresh one did not cure it.
    SignInAgain,
    /// Under the "sign in again" heading: why, and where to do it.
    SignInAgainExplain,
    /// Asks the host page's credential function once more.
    AskAgain,
    RoleRefusedHeading,
    /// A signed-in role the reception page offers nothing to.
    RoleRefused,
    ErrorRoleNotAllowed,
    ErrorLicenceNotAllowed,
    ErrorSessionSecret,
    ErrorLastTryNotConfirmed,
    /// The gateway's signature over an answer is missing or does not match.
    ErrorAnswerSignature,
}

/// The text of `msg` in `lang`.
pub fn text(lang: Lang, msg: Msg) -> &'static str {
    match lang {
        Lang::Ja => ja::text(msg),
        Lang::En => en::text(msg),
    }
}

/// The role as the desk calls it.
pub fn role_name(lang: Lang, role: Role) -> &'static str {
    match (lang, role) {
        (Lang::Ja, Role::Reception) => "受付",
        (Lang::Ja, Role::Clinician) => "医療職",
        (Lang::Ja, Role::Kiosk) => "キオスク端末",
        (Lang::Ja, Role::Admin) => "管理者",
        (Lang::En, Role::Reception) => "reception",
        (Lang::En, Role::Clinician) => "clinician",
        (Lang::En, Role::Kiosk) => "kiosk",
        (Lang::En, Role::Admin) => "administrator",
    }
}

/// "現在の利用者の役割：キオスク端末" / "Signed-in role: kiosk".
pub fn current_role(lang: Lang, role: Role) -> String {
    match lang {
        Lang::Ja => format!("現在の利用者の役割：{}", role_name(lang, role)),
        Lang::En => format!("Signed-in role: {}", role_name(lang, role)),
    }
}

/// "12秒経過" / "12 s elapsed".
pub fn elapsed(lang: Lang, seconds: u32) -> String {
    match lang {
        Lang::Ja => format!("{seconds}秒経過"),
        Lang::En => format!("{seconds} s elapsed"),
    }
}

/// "42歳" / "42 years".
pub fn age(lang: Lang, years: u32) -> String {
    match lang {
        Lang::Ja => format!("{years}歳"),
        Lang::En => format!("{years} years"),
    }
}

/// "3割" / "30%": the 一部負担金割合 in the unit each audience uses.
pub fn ratio(lang: Lang, percent: u32) -> String {
    match (lang, percent % 10) {
        (Lang::Ja, 0) => format!("{}割", percent / 10),
        (Lang::Ja, _) => format!("{percent}%"),
        (Lang::En, _) => format!("{percent}%"),
    }
}

/// "候補 1 / 3" / "Match 1 of 3".
pub fn candidate(lang: Lang, index: usize, total: usize) -> String {
    match lang {
        Lang::Ja => format!("{} {} / {}", text(lang, Msg::Candidate), index, total),
        Lang::En => format!("{} {} of {}", text(lang, Msg::Candidate), index, total),
    }
}

/// "残り3回" / "3 tries left".
pub fn tries_left(lang: Lang, tries: u8) -> String {
    match (lang, tries) {
        (Lang::Ja, n) => format!("残り{n}回"),
        (Lang::En, 1) => "1 try left".to_string(),
        (Lang::En, n) => format!("{n} tries left"),
    }
}

/// Spoken state of the masked PIN: "2桁入力済み（4桁中）" / "2 of 4 digits entered".
pub fn pin_entered(lang: Lang, digits: usize) -> String {
    match lang {
        Lang::Ja => format!("{digits}桁入力済み（4桁中）"),
        Lang::En => format!("{digits} of 4 digits entered"),
    }
}

/// A queue entry's consent badge: "薬剤 同意あり" / "Medications: consented".
pub fn consent_badge(lang: Lang, category: Msg, given: bool) -> String {
    let state = text(
        lang,
        if given {
            Msg::ConsentGiven
        } else {
            Msg::ConsentNotGiven
        },
    );
    match lang {
        Lang::Ja => format!("{} {state}", text(lang, category)),
        Lang::En => format!("{}: {state}", text(lang, category)),
    }
}

/// Other desks use this terminal's share but keep their own data (`others` of them).
pub fn desks_not_shared(lang: Lang, others: u32) -> String {
    match (lang, others) {
        (Lang::Ja, n) => format!(
            "この資格確認端末の共有フォルダを他の受付PC（{n}台）も使っていますが、データを共有していません。\
             顔認証の結果が一部の受付にしか届きません。\
             院内で共有データベース（PostgreSQL）の設定が必要です。管理者に連絡してください。"
        ),
        (Lang::En, n) => {
            let who = if n == 1 {
                "Another reception PC uses this qualification terminal's shared folder, \
                 but the two do not share their data."
                    .to_string()
            } else {
                format!(
                    "{n} other reception PCs use this qualification terminal's shared folder, \
                     but they do not share their data."
                )
            };
            format!(
                "{who} Face-recognition results reach only some desks. The clinic needs a \
                 shared database (PostgreSQL). Contact your administrator."
            )
        }
    }
}

/// While the request waits for one of the terminal's sessions (`ahead` requests of any
/// desk came earlier).
pub fn queued(lang: Lang, ahead: u32) -> String {
    match lang {
        Lang::Ja => format!("資格確認端末が混み合っています。順番待ちです（前に {ahead} 件）。"),
        Lang::En => {
            format!("The qualification terminal is busy; your request is queued ({ahead} ahead).")
        }
    }
}

/// The gateway's reason for refusing a face file, framed as such: the reason itself is
/// the gateway's (English, or the reader's own error message) and is shown as written.
pub fn refusal_reason(lang: Lang, reason: &str) -> String {
    match lang {
        Lang::Ja => format!("ゲートウェイが記録した理由：{reason}"),
        Lang::En => format!("Reason recorded by the gateway: {reason}"),
    }
}

/// "{from} 〜 {to}" with either end possibly unknown.
pub fn period(from: Option<String>, to: Option<String>) -> Option<String> {
    match (from, to) {
        (None, None) => None,
        (from, to) => Some(format!(
            "{} 〜 {}",
            from.unwrap_or_default(),
            to.unwrap_or_default()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_first_and_english_differ() {
        assert_eq!(text(Lang::Ja, Msg::Submit), "資格を照会する");
        assert_eq!(text(Lang::En, Msg::Submit), "Check qualification");
        assert_eq!(text(Lang::Ja, Msg::SendAsPrinted), "券面どおりに照会する");
    }

    #[test]
    fn ratio_in_wari_for_japanese_and_percent_for_english() {
        assert_eq!(ratio(Lang::Ja, 30), "3割");
        assert_eq!(ratio(Lang::Ja, 0), "0割");
        assert_eq!(ratio(Lang::Ja, 15), "15%");
        assert_eq!(ratio(Lang::En, 30), "30%");
    }

    #[test]
    fn parameterised_texts() {
        assert_eq!(elapsed(Lang::Ja, 12), "12秒経過");
        assert_eq!(elapsed(Lang::En, 3), "3 s elapsed");
        assert_eq!(age(Lang::Ja, 41), "41歳");
        assert_eq!(candidate(Lang::En, 1, 2), "Match 1 of 2");
        assert_eq!(candidate(Lang::Ja, 2, 3), "候補 2 / 3");
        assert_eq!(period(None, None), None);
        assert_eq!(tries_left(Lang::Ja, 3), "残り3回");
        assert_eq!(tries_left(Lang::En, 1), "1 try left");
        assert_eq!(pin_entered(Lang::Ja, 2), "2桁入力済み（4桁中）");
        assert_eq!(
            consent_badge(Lang::Ja, Msg::ConsentShortMedications, true),
            "薬剤 同意あり"
        );
        assert_eq!(
            consent_badge(Lang::En, Msg::ConsentShortOperations, false),
            "Surgery: no consent"
        );
        assert_eq!(period(Some("a".into()), None), Some("a 〜 ".to_string()));
    }

    #[test]
    fn sign_in_texts_in_both_languages() {
        assert_eq!(
            text(Lang::Ja, Msg::SignInAgainHeading),
            "サインインし直してください"
        );
        assert_eq!(
            text(Lang::En, Msg::SignInAgainHeading),
            "Please sign in again"
        );
        assert_eq!(
            text(Lang::Ja, Msg::ErrorRoleNotAllowed),
            "この操作は現在の利用者の役割では行えません。"
        );
        assert_eq!(
            text(Lang::En, Msg::ErrorRoleNotAllowed),
            "Your role cannot do this."
        );
        assert_eq!(
            text(Lang::En, Msg::ErrorAnswerSignature),
            "The gateway's signature over this answer does not match — not shown."
        );
        assert!(text(Lang::Ja, Msg::NotSignedIn).contains("サインインしていない"));
        assert!(text(Lang::En, Msg::NotSignedIn).contains("has not signed anyone in"));
        assert_eq!(
            current_role(Lang::Ja, Role::Kiosk),
            "現在の利用者の役割：キオスク端末"
        );
        assert_eq!(
            current_role(Lang::En, Role::Admin),
            "Signed-in role: administrator"
        );
    }

    #[test]
    fn desks_without_a_shared_store_are_counted_in_both_languages() {
        assert_eq!(
            desks_not_shared(Lang::Ja, 2),
            "この資格確認端末の共有フォルダを他の受付PC（2台）も使っていますが、データを共有していません。\
             顔認証の結果が一部の受付にしか届きません。\
             院内で共有データベース（PostgreSQL）の設定が必要です。管理者に連絡してください。"
        );
        let one = desks_not_shared(Lang::En, 1);
        assert!(
            one.starts_with("Another reception PC uses this qualification terminal's shared folder, but the two do not share their data. Face-recognition"),
            "{one}"
        );
        let three = desks_not_shared(Lang::En, 3);
        assert!(three.starts_with("3 other reception PCs use"), "{three}");
        assert!(three.ends_with("shared database (PostgreSQL). Contact your administrator."));
    }
}

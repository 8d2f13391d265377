//! English texts.

use super::Msg;

pub(super) fn text(msg: Msg) -> &'static str {
    match msg {
        Msg::Title => "Online qualification check",
        Msg::LanguageSwitch => "Language",
        Msg::FormLegend => "Details on the insurance card or 資格確認書",
        Msg::InsurerNumber => "Insurer number",
        Msg::InsurerNumberHint => "6 or 8 digits",
        Msg::Symbol => "Symbol (記号)",
        Msg::SymbolHint => "Leave empty when the card has none (e.g. late-elderly cards)",
        Msg::Number => "Number (番号)",
        Msg::Branch => "Branch number (枝番)",
        Msg::BranchHint => "2 digits; leave empty when the card has none",
        Msg::Birthdate => "Date of birth",
        Msg::BirthdateHint => "e.g. 1985-04-12 or 19850412",
        Msg::Optional => "optional",
        Msg::Submit => "Check qualification",
        Msg::FixFields => "Please check the marked fields.",
        Msg::CheckDigitWarning => {
            "The check digit does not match. Please compare with the card again. If the card really is printed this way, you can send it as printed."
        }
        Msg::SendAsPrinted => "Send as printed",
        Msg::OverrideActive => "Check-digit warning acknowledged (sending as printed)",
        Msg::Checking => "Asking the qualification terminal…",
        Msg::Cancel => "Cancel",
        Msg::CancelledNotice => "The check was cancelled. Your entries are kept.",
        Msg::Retry => "Retry",
        Msg::NextPatient => "Next patient",
        Msg::ResultHeading => "Result",
        Msg::Candidate => "Match",
        Msg::StatusValid => "Valid",
        Msg::StatusValidUnregistered => "Valid (not registered)",
        Msg::StatusInvalid => "Invalid",
        Msg::StatusInvalidNew => "Invalid (a newer qualification exists)",
        Msg::StatusNotFound => "No matching qualification",
        Msg::StatusMultiple => "Several matches",
        Msg::StatusUnknown => "Unrecognised result",
        Msg::ExplainInvalid => {
            "This qualification is no longer valid. Check the date of loss and ask for a current card or 資格確認書."
        }
        Msg::ExplainInvalidNew => {
            "This qualification is no longer valid, but a newer one is registered. Check again with the new card or 資格確認書."
        }
        Msg::ExplainNotFound => {
            "No matching qualification was found. Check that the insurer number, symbol, number, branch number and date of birth match the card."
        }
        Msg::ExplainMultiple => "Several qualifications match. Please review each match.",
        Msg::ExplainUnknown => {
            "The terminal returned a result this version cannot interpret. Please review the details."
        }
        Msg::Name => "Name",
        Msg::NameKana => "Name (kana)",
        Msg::NameOfOther => "Also known as",
        Msg::Age => "Age",
        Msg::Sex => "Sex",
        Msg::Insurer => "Insurer",
        Msg::CardClassification => "Card type",
        Msg::SymbolNumberBranch => "Symbol · number · branch",
        Msg::PersonalFamily => "Insured / family",
        Msg::InsuredName => "Insured person (head of household)",
        Msg::ContributionRatio => "Co-payment",
        Msg::QualificationDate => "Qualified since",
        Msg::DisqualificationDate => "Qualification lost on",
        Msg::ReasonOfLoss => "Reason of loss",
        Msg::CardValidUntil => "Card valid until",
        Msg::Preschool => "Preschool",
        Msg::Elderly => "Elderly recipient certificate",
        Msg::ElderlyRatio => "Elderly co-payment",
        Msg::ValidPeriod => "Valid",
        Msg::Limit => "Ceiling-amount certificate",
        Msg::LimitConsent => "Ceiling-amount information",
        Msg::LimitCategory => "Category",
        Msg::SpecificDisease => "Specified disease certificate",
        Msg::SpecificDiseaseConsent => "Specified disease information",
        Msg::SelfPay => "Self-pay ceiling",
        Msg::Consents => "Viewing consent",
        Msg::ConsentMedications => "Medications",
        Msg::ConsentCheckups => "Health checkups",
        Msg::ConsentDiagnoses => "Diagnoses",
        Msg::ConsentOperations => "Operations",
        Msg::ConsentUntil => "Viewable until",
        Msg::ReferenceNumber => "Reference number",
        Msg::Advisory => "Notice",
        Msg::CheckedAt => "Checked at",
        Msg::ValidityCode => "Validity code",
        Msg::ErrorHeading => "The check could not be completed",
        Msg::ErrorUnreachable => {
            "Cannot reach the gateway. The onshi gateway may not be running on this computer."
        }
        Msg::ErrorTimeout => "The qualification terminal did not answer in time.",
        Msg::ErrorBadResponse => "The terminal's answer could not be read. The answer file has been kept.",
        Msg::ErrorTerminal => "The qualification terminal reported an error.",
        Msg::ErrorTerminalUnavailable => "The terminal's shared folder cannot be reached.",
        Msg::ErrorOrigin => "This page is not allowed to use the gateway. Please contact your administrator.",
        Msg::ErrorGateway => "Something went wrong in the gateway.",
        Msg::ErrorDecode => "The gateway's answer could not be understood.",
        Msg::ErrorCode => "Details",
    }
}

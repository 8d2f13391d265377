//! Japanese texts (the default language at a Japanese reception desk).

use super::Msg;

pub(super) fn text(msg: Msg) -> &'static str {
    match msg {
        Msg::Title => "オンライン資格確認",
        Msg::LanguageSwitch => "表示言語",
        Msg::FormLegend => "保険証・資格確認書の記載事項",
        Msg::InsurerNumber => "保険者番号",
        Msg::InsurerNumberHint => "6桁または8桁の数字",
        Msg::Symbol => "記号",
        Msg::SymbolHint => "後期高齢者医療など記号のない券面は空欄",
        Msg::Number => "番号",
        Msg::Branch => "枝番",
        Msg::BranchHint => "2桁。券面にない場合は空欄",
        Msg::Birthdate => "生年月日",
        Msg::BirthdateHint => "例: 1985-04-12 または 19850412",
        Msg::Optional => "任意",
        Msg::Submit => "資格を照会する",
        Msg::FixFields => "入力内容を確認してください。",
        Msg::CheckDigitWarning => {
            "検証番号が一致しません。券面の番号をもう一度確認してください。券面どおりで間違いなければ、そのまま照会できます。"
        }
        Msg::SendAsPrinted => "券面どおりに照会する",
        Msg::OverrideActive => "検証番号の警告を確認済み（券面どおりに照会します）",
        Msg::Checking => "資格確認端末に照会中…",
        Msg::Cancel => "取り消す",
        Msg::CancelledNotice => "照会を取り消しました。入力内容はそのまま残っています。",
        Msg::Retry => "再試行",
        Msg::NextPatient => "次の患者へ",
        Msg::ResultHeading => "照会結果",
        Msg::Candidate => "候補",
        Msg::StatusValid => "有効",
        Msg::StatusValidUnregistered => "有効（未登録）",
        Msg::StatusInvalid => "無効",
        Msg::StatusInvalidNew => "無効（新しい資格あり）",
        Msg::StatusNotFound => "該当資格なし",
        Msg::StatusMultiple => "複数該当",
        Msg::StatusUnknown => "判定できない結果",
        Msg::ExplainInvalid => {
            "この資格は無効です。資格喪失日を確認し、現在の保険証・資格確認書の提示をお願いしてください。"
        }
        Msg::ExplainInvalidNew => {
            "この資格は無効ですが、新しい資格が登録されています。新しい資格確認書などで照会し直してください。"
        }
        Msg::ExplainNotFound => {
            "該当する資格が見つかりませんでした。保険者番号・記号・番号・枝番・生年月日が券面どおりか確認してください。"
        }
        Msg::ExplainMultiple => "複数の資格が該当しました。各候補の内容を確認してください。",
        Msg::ExplainUnknown => {
            "資格確認端末が、このバージョンでは解釈できない結果を返しました。内容を確認してください。"
        }
        Msg::Name => "氏名",
        Msg::NameKana => "カナ氏名",
        Msg::NameOfOther => "通称",
        Msg::Age => "年齢",
        Msg::Sex => "性別",
        Msg::Insurer => "保険者",
        Msg::CardClassification => "証区分",
        Msg::SymbolNumberBranch => "記号・番号・枝番",
        Msg::PersonalFamily => "本人・家族",
        Msg::InsuredName => "被保険者氏名（世帯主）",
        Msg::ContributionRatio => "負担割合",
        Msg::QualificationDate => "資格取得日",
        Msg::DisqualificationDate => "資格喪失日",
        Msg::ReasonOfLoss => "喪失事由",
        Msg::CardValidUntil => "有効期限",
        Msg::Preschool => "未就学",
        Msg::Elderly => "高齢受給者証",
        Msg::ElderlyRatio => "高齢受給者 負担割合",
        Msg::ValidPeriod => "有効期間",
        Msg::Limit => "限度額適用認定証",
        Msg::LimitConsent => "限度額情報の提供",
        Msg::LimitCategory => "適用区分",
        Msg::SpecificDisease => "特定疾病療養受療証",
        Msg::SpecificDiseaseConsent => "特定疾病情報の提供",
        Msg::SelfPay => "自己負担限度額",
        Msg::Consents => "閲覧同意",
        Msg::ConsentMedications => "薬剤情報",
        Msg::ConsentCheckups => "特定健診情報",
        Msg::ConsentDiagnoses => "診療情報",
        Msg::ConsentOperations => "手術情報",
        Msg::ConsentUntil => "閲覧期限",
        Msg::ReferenceNumber => "照会番号",
        Msg::Advisory => "お知らせ",
        Msg::CheckedAt => "確認日時",
        Msg::ValidityCode => "資格有効性コード",
        Msg::ErrorHeading => "照会できませんでした",
        Msg::ErrorUnreachable => {
            "ゲートウェイに接続できません。この端末でゲートウェイ（onshi-gateway）が起動していない可能性があります。"
        }
        Msg::ErrorTimeout => "資格確認端末から時間内に応答がありませんでした。",
        Msg::ErrorBadResponse => "資格確認端末の応答を読み取れませんでした。応答ファイルは保存されています。",
        Msg::ErrorTerminal => "資格確認端末がエラーを返しました。",
        Msg::ErrorTerminalUnavailable => "資格確認端末の連携フォルダに接続できません。",
        Msg::ErrorOrigin => "このページからの照会はゲートウェイで許可されていません。管理者に連絡してください。",
        Msg::ErrorGateway => "ゲートウェイで問題が発生しました。",
        Msg::ErrorDecode => "ゲートウェイの応答を解釈できませんでした。",
        Msg::ErrorCode => "エラー内容",
    }
}

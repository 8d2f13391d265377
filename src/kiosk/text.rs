//! The kiosk's words: one [`Msg`] enum and one table per language (a missing
//! translation is a compile error). Short sentences in plain language. Japanese
//! consent wording carries furigana written inline as `{漢字|かんじ}`; [`segments`]
//! splits it for `<ruby>`, [`plain`] drops the readings (for attributes).

mod en;
mod ja;
mod ko;
mod vi;
mod zh;

use onshi_core::consent::ConsentCategory;

use super::lang::KioskLang;

/// Every fixed piece of text the kiosk shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Msg {
    Title,
    Languages,
    PlaceCard,
    PlaceCardHelp,
    Starting,
    Reading,
    Verifying,
    PinPrompt,
    PinLabel,
    PinWrong,
    PinLowWarning,
    PinIncomplete,
    PinLastConfirm,
    PinSend,
    PinConfirmSend,
    Sending,
    Back,
    PinClear,
    PinBackspace,
    PinKeypad,
    StaffCheck,
    StaffCheckHeading,
    StaffCheckExplain,
    StaffCheckConfirm,
    StaffCheckSubmit,
    CardFailed,
    CardBlocked,
    CardRetry,
    StartOver,
    RequestFailed,
    OverviewHeading,
    OverviewLoading,
    OverviewFailed,
    StateRefused,
    StateExpired,
    StateWithdrawn,
    StateNone,
    Withdraw,
    Withdrawing,
    WithdrawFailed,
    Next,
    Medications,
    Checkups,
    Diagnoses,
    Operations,
    MedicationsExplain,
    CheckupsExplain,
    DiagnosesExplain,
    OperationsExplain,
    WhoAndHowLong,
    AskShow,
    Limit,
    LimitExplain,
    Disease,
    DiseaseExplain,
    AskShare,
    Yes,
    No,
    Shown,
    NotShown,
    Shared,
    NotShared,
    SummaryHeading,
    SummaryExplain,
    Change,
    Record,
    Recording,
    RecordFailed,
    ReceiptRefused,
    ReceiptExpired,
    TryAgain,
    DoneHeading,
    DoneAgreed,
    Finish,
    IdleHeading,
    IdleContinue,
}

/// The text of `msg` in `lang`, with any furigana markup.
pub fn text(lang: KioskLang, msg: Msg) -> &'static str {
    match lang {
        KioskLang::Ja => ja::text(msg),
        KioskLang::En => en::text(msg),
        KioskLang::ZhHans => zh::text(msg),
        KioskLang::Ko => ko::text(msg),
        KioskLang::Vi => vi::text(msg),
    }
}

/// A run of text: plain, or a base with its reading (`<ruby>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    Plain(&'a str),
    Ruby { base: &'a str, reading: &'a str },
}

/// Splits `{base|reading}` markup into segments; anything malformed stays plain.
pub fn segments(marked: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest = marked;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        let inner = &rest[open + 1..close];
        let Some((base, reading)) = inner.split_once('|') else {
            break;
        };
        if open > 0 {
            out.push(Segment::Plain(&rest[..open]));
        }
        out.push(Segment::Ruby { base, reading });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Segment::Plain(rest));
    }
    out
}

/// `marked` without its readings, for attributes such as `aria-label`.
pub fn plain(marked: &str) -> String {
    segments(marked)
        .into_iter()
        .map(|s| match s {
            Segment::Plain(text) => text,
            Segment::Ruby { base, .. } => base,
        })
        .collect()
}

/// The name of a consent category.
pub fn category(category: ConsentCategory) -> Msg {
    match category {
        ConsentCategory::Medications => Msg::Medications,
        ConsentCategory::Checkups => Msg::Checkups,
        ConsentCategory::Diagnoses => Msg::Diagnoses,
        ConsentCategory::Operations => Msg::Operations,
    }
}

/// What a category holds, in one sentence.
pub fn category_explain(category: ConsentCategory) -> Msg {
    match category {
        ConsentCategory::Medications => Msg::MedicationsExplain,
        ConsentCategory::Checkups => Msg::CheckupsExplain,
        ConsentCategory::Diagnoses => Msg::DiagnosesExplain,
        ConsentCategory::Operations => Msg::OperationsExplain,
    }
}

/// "Question 2 of 6".
pub fn step_of(lang: KioskLang, n: usize, total: usize) -> String {
    match lang {
        KioskLang::Ja => format!("{total}問中 {n}問目"),
        KioskLang::En => format!("Question {n} of {total}"),
        KioskLang::ZhHans => format!("第 {n} 题，共 {total} 题"),
        KioskLang::Ko => format!("{total}개 중 {n}번째 질문"),
        KioskLang::Vi => format!("Câu {n} / {total}"),
    }
}

/// The PIN tries the card has left.
pub fn tries_left(lang: KioskLang, n: u8) -> String {
    match lang {
        KioskLang::Ja => format!("あと {n} 回まで入れられます。"),
        KioskLang::En if n == 1 => "1 try left.".to_string(),
        KioskLang::En => format!("{n} tries left."),
        KioskLang::ZhHans => format!("还可以输入 {n} 次。"),
        KioskLang::Ko => format!("{n}번 더 입력할 수 있습니다."),
        KioskLang::Vi => format!("Còn {n} lần nhập."),
    }
}

/// How many PIN digits are in (for the screen reader).
pub fn pin_entered(lang: KioskLang, n: usize) -> String {
    match lang {
        KioskLang::Ja => format!("{n}けた入力しました"),
        KioskLang::En => format!("{n} of 4 digits entered"),
        KioskLang::ZhHans => format!("已输入 {n} 位"),
        KioskLang::Ko => format!("{n}자리 입력함"),
        KioskLang::Vi => format!("Đã nhập {n}/4 số"),
    }
}

/// A JST date and time, e.g. "12月3日 9時30分".
pub fn when(lang: KioskLang, unix_seconds: i64) -> String {
    let at = onshi_core::jst::at(unix_seconds);
    let (month, day) = (u8::from(at.month()), at.day());
    let (hour, minute) = (at.hour(), at.minute());
    match lang {
        KioskLang::Ja => format!("{month}月{day}日 {hour}時{minute:02}分"),
        KioskLang::En => format!(
            "{day} {} at {hour:02}:{minute:02}",
            MONTHS_EN[usize::from(month) - 1]
        ),
        KioskLang::ZhHans => format!("{month}月{day}日 {hour:02}:{minute:02}"),
        KioskLang::Ko => format!("{month}월 {day}일 {hour:02}:{minute:02}"),
        KioskLang::Vi => format!("{hour:02}:{minute:02} ngày {day}/{month}"),
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "Valid until …".
pub fn valid_until(lang: KioskLang, unix_seconds: i64) -> String {
    let at = when(lang, unix_seconds);
    match lang {
        KioskLang::Ja => format!("{at}まで見られます。"),
        KioskLang::En => format!("They may see it until {at}."),
        KioskLang::ZhHans => format!("可以查看到 {at}。"),
        KioskLang::Ko => format!("{at}까지 볼 수 있습니다."),
        KioskLang::Vi => format!("Được xem đến {at}."),
    }
}

/// A consent on record that still allows viewing.
pub fn state_valid(lang: KioskLang, until: i64) -> String {
    valid_until(lang, until)
}

/// The countdown of the idle warning.
pub fn idle_countdown(lang: KioskLang, seconds: u32) -> String {
    match lang {
        KioskLang::Ja => format!("あと {seconds} 秒で、はじめの画面に戻ります。"),
        KioskLang::En => format!("Going back to the start in {seconds} seconds."),
        KioskLang::ZhHans => format!("{seconds} 秒后回到开始画面。"),
        KioskLang::Ko => format!("{seconds}초 후에 처음 화면으로 돌아갑니다."),
        KioskLang::Vi => format!("Sau {seconds} giây sẽ quay về màn hình đầu."),
    }
}

/// The done screen's note that it goes back to the start by itself.
pub fn done_return(lang: KioskLang, seconds: u32) -> String {
    match lang {
        KioskLang::Ja => format!("{seconds} 秒後に、はじめの画面に戻ります。"),
        KioskLang::En => format!("This screen closes in {seconds} seconds."),
        KioskLang::ZhHans => format!("{seconds} 秒后关闭此画面。"),
        KioskLang::Ko => format!("{seconds}초 후에 이 화면이 닫힙니다."),
        KioskLang::Vi => format!("Màn hình này sẽ đóng sau {seconds} giây."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn furigana_markup_splits_and_strips() {
        let marked = "{薬剤|やくざい}の{情報|じょうほう}です";
        assert_eq!(
            segments(marked),
            vec![
                Segment::Ruby {
                    base: "薬剤",
                    reading: "やくざい"
                },
                Segment::Plain("の"),
                Segment::Ruby {
                    base: "情報",
                    reading: "じょうほう"
                },
                Segment::Plain("です"),
            ]
        );
        assert_eq!(plain(marked), "薬剤の情報です");
        assert_eq!(segments("no markup"), vec![Segment::Plain("no markup")]);
        assert_eq!(plain("{broken"), "{broken");
    }

    const ALL: [Msg; 4] = [
        Msg::AskShow,
        Msg::WhoAndHowLong,
        Msg::Medications,
        Msg::PlaceCard,
    ];

    #[test]
    fn every_language_has_its_own_words_and_only_japanese_has_furigana() {
        for msg in ALL {
            let ja = text(KioskLang::Ja, msg);
            for lang in KioskLang::ALL {
                let t = text(lang, msg);
                assert!(!t.is_empty(), "{lang:?} {msg:?}");
                if lang != KioskLang::Ja {
                    assert_ne!(t, ja, "{lang:?} {msg:?}");
                    assert!(!t.contains('{'), "{lang:?} {msg:?}");
                }
            }
        }
        assert!(text(KioskLang::Ja, Msg::WhoAndHowLong).contains("{"));
    }

    #[test]
    fn the_consent_wording_says_who_and_for_how_long() {
        assert!(plain(text(KioskLang::Ja, Msg::WhoAndHowLong)).contains("24時間"));
        assert!(text(KioskLang::En, Msg::WhoAndHowLong).contains("24 hours"));
        assert!(text(KioskLang::En, Msg::WhoAndHowLong).contains("pharmacists"));
        for lang in KioskLang::ALL {
            assert!(text(lang, Msg::WhoAndHowLong).contains("24"), "{lang:?}");
        }
    }

    #[test]
    fn times_are_japan_time() {
        // 2026-12-02T00:30:00Z is 09:30 in Japan.
        let t = 1_796_171_400;
        assert_eq!(when(KioskLang::Ja, t), "12月2日 9時30分");
        assert_eq!(when(KioskLang::En, t), "2 December at 09:30");
        assert_eq!(when(KioskLang::Vi, t), "09:30 ngày 2/12");
    }
}

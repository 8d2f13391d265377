//! In the browser, core normalises with the browser's own `String.prototype.normalize`
//! (NFKC) instead of the unicode-normalization tables the gateway uses: both sides must
//! turn every input into the same text, or the form would accept what the gateway
//! refuses. Compared here, in headless Chromium, against the crate itself.
#![cfg(target_arch = "wasm32")]

use onshi_core::card_number::{nfkc, normalize};
use unicode_normalization::UnicodeNormalization;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Every character of the basic plane, one by one. The only differences allowed are
/// characters this browser's Unicode version has not assigned yet (`\p{Cn}` to its own
/// regular expressions), which the crate's newer tables may already decompose: nobody
/// types those from an insurance card, and the gateway normalises again anyway.
#[wasm_bindgen_test]
fn every_basic_plane_character_normalises_as_the_gateway_does() {
    let unassigned_here = js_sys::RegExp::new("^\\p{Cn}$", "u");
    let mut differ = Vec::new();
    let mut newer = 0u32;
    let mut checked = 0u32;
    for c in (0u32..=0xFFFF).filter_map(char::from_u32) {
        let text = c.to_string();
        let tables: String = text.nfkc().collect();
        if nfkc(&text) != tables {
            if unassigned_here.test(&text) {
                newer += 1;
            } else {
                differ.push(format!("U+{:04X}", c as u32));
            }
        }
        checked += 1;
    }
    assert!(checked > 63_000);
    assert!(differ.is_empty(), "the browser differs on {differ:?}");
    assert!(
        newer < 64,
        "{newer} characters newer than this browser's Unicode"
    );
}

#[wasm_bindgen_test]
fn what_receptionists_type_normalises_as_the_gateway_does() {
    // Full-width digits and letters, an IME's ideographic space, half-width kana with a
    // separate voiced mark, a combining mark, dashes NFKC leaves alone.
    for input in [
        "０１１３００１２",
        "\u{3000}ＡＢｃ－１２３\u{3000}",
        "ｶﾞｷﾞｸﾞ",
        "か\u{3099}",
        "12\u{2212}34\u{2015}5",
        "㍻３１年４月３０日",
        "Ⅻ①㈱",
    ] {
        let tables: String = input.nfkc().collect();
        assert_eq!(nfkc(input), tables, "{input:?}");
    }
    assert_eq!(normalize("\u{3000}ＡＢ－１２３\u{3000}"), "AB-123");
    assert_eq!(normalize("12\u{2212}34"), "12-34");
}

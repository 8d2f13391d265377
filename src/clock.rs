//! Today's date in Japan (JST), as `yyyyMMdd`: the terminal's and the clinic's "today",
//! whatever time zone the PC running the browser is set to.

/// `yyyyMMdd` of now in Japan. Only meaningful in a browser.
pub fn today() -> String {
    onshi_core::jst::today((js_sys::Date::now() / 1000.0) as i64)
}

/// Unix seconds now, from the browser's clock. Only meaningful in a browser.
pub fn unix_now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

//! Today's date in the browser's local time zone (the clinic's), as `yyyyMMdd`.

/// `yyyyMMdd` of now, local time. Only meaningful in a browser.
pub fn today() -> String {
    let now = js_sys::Date::new_0();
    format!(
        "{:04}{:02}{:02}",
        now.get_full_year(),
        now.get_month() + 1,
        now.get_date()
    )
}

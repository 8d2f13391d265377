//! Names for qualification requests (`x-onshi-request`): a random prefix drawn once per
//! mount plus the request's sequence number. The gateway keys a request's queue place by
//! this name, so it must not repeat across desks or mounts, and it never carries patient
//! data (the gateway logs it and any local process could read it back).

/// Random hex digits per mount: 16 bytes, so two desks never draw the same prefix.
const PREFIX_BYTES: usize = 16;

/// The longest name the gateway accepts.
pub const MAX_LEN: usize = 64;

/// A mount's prefix, from the platform's secure random source (`crypto.getRandomValues`
/// in the browser). Should that fail, the names fall back to the time, which is still
/// unique enough for one desk's queue place and contains nothing about the patient.
pub fn random_prefix() -> String {
    let mut bytes = [0u8; PREFIX_BYTES];
    match getrandom::fill(&mut bytes) {
        Ok(()) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        Err(_) => format!("t{}", now_ms()),
    }
}

#[cfg(target_arch = "wasm32")]
fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

#[cfg(not(target_arch = "wasm32"))]
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The name of request `seq` of the mount with `prefix` (`<prefix>-<seq>`).
pub fn request_ref(prefix: &str, seq: u64) -> String {
    let mut name = format!("{prefix}-{seq}");
    // A prefix longer than the header allows keeps its end, where the sequence number is.
    if name.len() > MAX_LEN {
        name = name.split_off(name.len() - MAX_LEN);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gateway's rule (routes/qualifications.rs): 1 to 64 of `A-Z a-z 0-9 - _`.
    fn is_valid(name: &str) -> bool {
        (1..=MAX_LEN).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }

    #[test]
    fn names_are_what_the_gateway_accepts_and_differ_per_request() {
        let prefix = random_prefix();
        assert_eq!(prefix.len(), 2 * PREFIX_BYTES, "{prefix}");
        let first = request_ref(&prefix, 1);
        let second = request_ref(&prefix, 2);
        assert!(is_valid(&first) && is_valid(&second), "{first} {second}");
        assert_ne!(first, second);
        assert!(first.starts_with(&prefix));
        assert_ne!(random_prefix(), prefix, "each mount draws its own prefix");
        let long = request_ref(&prefix, u64::MAX);
        assert!(is_valid(&long), "{long}");
        assert!(long.ends_with(&u64::MAX.to_string()));
        assert!(is_valid(&request_ref(&"x".repeat(80), 7)));
    }
}

//! This desk's identity: a random id made at the first start and kept in the data folder,
//! and its [`heartbeat`] in the terminal share, which tells desks about each other.
//!
//! Several desks' gateways share one terminal folder; the id keeps their request file
//! names apart ([`crate::terminal_link::TerminalLink::ticket`]) whatever their clocks and
//! counters say. It is random rather than derived from the host name, so it says nothing
//! about the PC and two cloned PCs still differ once each made its own data folder.

pub mod heartbeat;

use std::io::{self, Write};
use std::path::Path;

use crate::error::GatewayError;

/// File holding the id inside the data folder.
pub const DESK_ID_FILE: &str = "desk-id";

/// Hex digits of an id: 32 random bits, so two desks of one clinic practically never
/// share one (and the no-replace rename catches it if they ever do).
const ID_HEX_LEN: usize = 8;

/// The id stored in `data_dir`, made and stored first if there is none (or the file does
/// not hold one).
pub fn load_or_create(data_dir: &Path) -> Result<String, GatewayError> {
    let path = data_dir.join(DESK_ID_FILE);
    let folder_error = |source: io::Error| GatewayError::Folder {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) if is_desk_id(text.trim()) => return Ok(text.trim().to_string()),
        Ok(_) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(folder_error(err)),
    }
    let mut bytes = [0u8; ID_HEX_LEN / 2];
    getrandom::getrandom(&mut bytes)
        .map_err(|err| folder_error(io::Error::other(err.to_string())))?;
    let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut file = crate::data_dir::create_private_file(&path).map_err(folder_error)?;
    file.write_all(format!("{id}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(folder_error)?;
    Ok(id)
}

fn is_desk_id(text: &str) -> bool {
    text.len() == ID_HEX_LEN && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        assert!(is_desk_id(&first), "{first}");
        assert_eq!(load_or_create(dir.path()).unwrap(), first);
        let other = tempfile::tempdir().unwrap();
        assert_ne!(load_or_create(other.path()).unwrap(), first);
    }

    #[test]
    fn a_damaged_file_gets_a_fresh_id() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DESK_ID_FILE), "not an id").unwrap();
        let id = load_or_create(dir.path()).unwrap();
        assert!(is_desk_id(&id));
        assert_eq!(
            std::fs::read_to_string(dir.path().join(DESK_ID_FILE))
                .unwrap()
                .trim(),
            id
        );
    }
}

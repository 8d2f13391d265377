//! The data folder (`--data-dir`): where it is by default, and keeping it private.
//!
//! It holds the reception queue (names, birthdates, card numbers), the taken-in face
//! files and the rejected terminal answers, so on unix it is the owner's alone: the folder
//! and its sub-folders are made with mode 0700 (never briefly wider: `DirBuilder` sets the
//! mode at creation), a folder found group- or world-accessible is tightened at start, and
//! the files the gateway itself creates or moves in are 0600. The process umask is left
//! alone: it is the embedder's, and a mode set per file is what is checked in tests.
//! Elsewhere (Windows) the per-user data folder's ACL already excludes other users.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use directories::ProjectDirs;
use tracing::warn;

use crate::error::GatewayError;

/// `directories`' name parts: `~/.local/share/onshi-gateway` on Linux,
/// `%LOCALAPPDATA%\onshi\onshi-gateway\data` on Windows.
const QUALIFIER: &str = "jp";
const ORGANIZATION: &str = "onshi";
const APPLICATION: &str = "onshi-gateway";

/// The platform's per-user local data folder for the gateway: not relative to the
/// working directory, so where the gateway is started from does not decide where patient
/// data lands.
pub fn default_data_dir() -> Result<PathBuf, GatewayError> {
    ProjectDirs::from(QUALIFIER, ORGANIZATION, APPLICATION)
        .map(|dirs| dirs.data_local_dir().to_path_buf())
        .ok_or(GatewayError::NoDefaultDataDir)
}

/// Creates `dir` and `subs` (paths inside it) owner-only, or tightens them if they exist
/// with wider access; one warning names what was tightened.
pub fn prepare(dir: &Path, subs: &[PathBuf]) -> Result<(), GatewayError> {
    let mut tightened = Vec::new();
    for path in std::iter::once(dir).chain(subs.iter().map(PathBuf::as_path)) {
        if ensure_private_folder(path).map_err(|source| GatewayError::Folder {
            path: path.to_path_buf(),
            source,
        })? {
            tightened.push(path.display().to_string());
        }
    }
    if !tightened.is_empty() {
        warn!(
            folders = ?tightened,
            "the data folder was readable by other users; made it owner-only (0700)"
        );
    }
    Ok(())
}

/// Creates `dir` (and missing parents) with mode 0700. An existing folder that group or
/// others may enter is set to 0700; `true` if that happened.
pub fn ensure_private_folder(dir: &Path) -> io::Result<bool> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    tighten(dir, 0o700)
}

/// Creates (or truncates) `path` for writing with mode 0600 from the start.
pub fn create_private_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    // `mode` applies only when the file is new; an older one keeps its bits otherwise.
    tighten(path, 0o600)?;
    Ok(file)
}

/// Creates `path` empty with mode 0600 unless it exists, and makes it owner-only if it
/// does; the contents are left alone (a store about to be opened).
pub fn ensure_private_file(path: &Path) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    drop(options.open(path)?);
    tighten(path, 0o600)?;
    Ok(())
}

/// Makes an existing file owner-only (0600): for files that arrive by a move, which
/// keeps the mode the terminal gave them. `true` if it was wider.
pub fn restrict_file(path: &Path) -> io::Result<bool> {
    tighten(path, 0o600)
}

#[cfg(unix)]
fn tighten(path: &Path, mode: u32) -> io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current & 0o077 == 0 {
        return Ok(false);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(true)
}

#[cfg(not(unix))]
fn tighten(_path: &Path, _mode: u32) -> io::Result<bool> {
    Ok(false)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_folders_and_files_are_owner_only() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("a").join("data");
        prepare(&data, &[data.join("rejected")]).unwrap();
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("rejected")), 0o700);
        let file = data.join("f");
        create_private_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
    }

    #[test]
    fn wide_folders_and_files_are_tightened() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(ensure_private_folder(&data).unwrap());
        assert_eq!(mode(&data), 0o700);
        assert!(!ensure_private_folder(&data).unwrap());
        let file = data.join("f");
        std::fs::write(&file, "x").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(restrict_file(&file).unwrap());
        assert_eq!(mode(&file), 0o600);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        create_private_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        std::fs::write(&file, "kept").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        ensure_private_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "kept");
        let new = data.join("new");
        ensure_private_file(&new).unwrap();
        assert_eq!(mode(&new), 0o600);
    }
}

//! File operations on the terminal folder that must be safe against a concurrent writer
//! (the terminal's 連携アプリ) and must never block the async runtime.

use std::io;
use std::path::{Path, PathBuf};

use tokio::fs;

/// Writes `bytes` to `dir/name` so the terminal never sees a half-written file: first a
/// hidden temp file in the same folder (same filesystem, so the rename is atomic), then
/// a rename onto the final name.
pub async fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    // Leading dot and `.tmp` ending: matches no request pattern the terminal watches.
    let temp = dir.join(format!(".{name}.tmp"));
    fs::write(&temp, bytes).await?;
    if let Err(err) = fs::rename(&temp, dir.join(name)).await {
        let _ = fs::remove_file(&temp).await;
        return Err(err);
    }
    Ok(())
}

/// Removes a file; a file that is already gone is not an error.
pub async fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path).await {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

pub async fn exists(path: &Path) -> bool {
    fs::try_exists(path).await.unwrap_or(false)
}

/// Moves `path` into `rejected_dir`, keeping its name unless a file of that name is
/// already there. Returns the new path.
pub async fn move_to_rejected(path: &Path, rejected_dir: &Path) -> io::Result<PathBuf> {
    move_into(path, rejected_dir).await
}

/// Moves `path` into `dir` (created if needed), keeping its name unless a file of that
/// name is already there (then `name.1`, `name.2`, …: nothing is overwritten). Returns the
/// new path.
pub async fn move_into(path: &Path, dir: &Path) -> io::Result<PathBuf> {
    fs::create_dir_all(dir).await?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "response.xml".to_string());
    let mut target = dir.join(&name);
    let mut n = 1;
    while exists(&target).await {
        target = dir.join(format!("{name}.{n}"));
        n += 1;
    }
    // A terminal share is often another filesystem than the data folder: rename fails
    // there, so fall back to copy + remove.
    if fs::rename(path, &target).await.is_err() {
        fs::copy(path, &target).await?;
        remove_if_present(path).await?;
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn atomic_write_leaves_only_the_final_file() {
        let dir = tempfile::tempdir().unwrap();
        write_atomically(dir.path(), "a.xml", b"<x/>")
            .await
            .unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["a.xml".to_string()]);
        assert_eq!(std::fs::read(dir.path().join("a.xml")).unwrap(), b"<x/>");
    }

    #[tokio::test]
    async fn rejected_files_never_overwrite_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let rejected = dir.path().join("rejected");
        for body in [&b"one"[..], b"two"] {
            let path = dir.path().join("bad.xml");
            std::fs::write(&path, body).unwrap();
            move_to_rejected(&path, &rejected).await.unwrap();
            assert!(!path.exists());
        }
        assert_eq!(std::fs::read(rejected.join("bad.xml")).unwrap(), b"one");
        assert_eq!(std::fs::read(rejected.join("bad.xml.1")).unwrap(), b"two");
    }

    #[tokio::test]
    async fn removing_a_missing_file_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        remove_if_present(&dir.path().join("gone.xml"))
            .await
            .unwrap();
    }
}

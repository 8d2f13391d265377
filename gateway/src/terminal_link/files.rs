//! File operations on the terminal folder that must be safe against a concurrent writer
//! (the terminal's 連携アプリ) and must never block the async runtime.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use tokio::fs;

/// Writes `bytes` to `dir/name` so the terminal never sees a half-written file
/// (security.md §5, writer protocol): a hidden temp file in the same folder (same
/// filesystem, so the rename is atomic), written in full and flushed to stable storage
/// (`sync_all`: fsync, or FlushFileBuffers on Windows, which SMB passes to the server),
/// closed, and only then moved onto the final name, **never replacing a file already
/// there** (another desk's request of the same name must not silently vanish): the move is
/// a hard link, which fails when the name exists, followed by removing the temp name.
/// Where the share cannot make hard links, it falls back to a rename after checking the
/// name is free (names are unique per desk, so that window only matters for a file left
/// behind, which [`super::TerminalLink::ticket`] already skips).
pub async fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    // Leading dot and `.tmp` ending: matches no request pattern the terminal watches.
    let temp = dir.join(format!(".{name}.tmp"));
    let target = dir.join(name);
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || write_synced(&temp, &target, &bytes))
        .await
        .map_err(io::Error::other)?
}

fn write_synced(temp: &Path, target: &Path, bytes: &[u8]) -> io::Result<()> {
    let written = (|| {
        let mut file = std::fs::File::create(temp)?;
        file.write_all(bytes)?;
        file.sync_all()
        // Closed here, before the rename (Windows cannot rename an open file).
    })();
    let result = written.and_then(|()| move_no_replace(temp, target));
    // After a hard link the temp name is a second name for the same file; after a failure
    // it is a leftover. Either way it goes.
    let _ = std::fs::remove_file(temp);
    result
}

fn move_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    match std::fs::hard_link(from, to) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Err(err),
        Err(err) => {
            // No hard links here (some SMB or FAT shares): rename, but never onto a file.
            tracing::debug!("hard link refused ({err}); renaming instead");
            if std::fs::symlink_metadata(to).is_ok() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} already exists", to.display()),
                ));
            }
            std::fs::rename(from, to)
        }
    }
}

/// Reads a whole file unless it holds more than `max` bytes (`Ok(None)`): an oversized
/// file is never loaded into memory, even one that grows while it is read.
pub async fn read_limited(path: &Path, max: u64) -> io::Result<Option<Vec<u8>>> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(path)?;
        let mut bytes = Vec::new();
        file.take(max + 1).read_to_end(&mut bytes)?;
        Ok((bytes.len() as u64 <= max).then_some(bytes))
    })
    .await
    .map_err(io::Error::other)?
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
/// new path. `dir` is in the data folder: it is created owner-only and the moved file made
/// owner-only (it keeps the terminal's mode through a rename; the folder is already
/// private meanwhile).
pub async fn move_into(path: &Path, dir: &Path) -> io::Result<PathBuf> {
    let private = dir.to_path_buf();
    tokio::task::spawn_blocking(move || crate::data_dir::ensure_private_folder(&private))
        .await
        .map_err(io::Error::other)??;
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
    // Best effort: a file renamed in keeps its owner, and when that is the terminal's
    // account only it may change the mode; the owner-only folder still covers it.
    let moved = target.clone();
    match tokio::task::spawn_blocking(move || crate::data_dir::restrict_file(&moved)).await {
        Ok(Ok(_)) => {}
        Ok(Err(err)) => tracing::debug!("cannot make {} owner-only: {err}", target.display()),
        Err(err) => tracing::debug!("cannot make {} owner-only: {err}", target.display()),
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
    async fn an_existing_file_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.xml"), b"another desk's request").unwrap();
        let err = write_atomically(dir.path(), "a.xml", b"<x/>")
            .await
            .expect_err("refused");
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(
            std::fs::read(dir.path().join("a.xml")).unwrap(),
            b"another desk's request"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["a.xml".to_string()], "no temp file left");
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
    async fn a_failed_write_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        // The final name is a folder: the rename fails after the flush.
        std::fs::create_dir(dir.path().join("a.xml")).unwrap();
        std::fs::write(dir.path().join("a.xml").join("x"), b"x").unwrap();
        assert!(write_atomically(dir.path(), "a.xml", b"<x/>")
            .await
            .is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["a.xml".to_string()]);
    }

    #[tokio::test]
    async fn reads_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.xml");
        std::fs::write(&path, [b'x'; 10]).unwrap();
        assert_eq!(read_limited(&path, 10).await.unwrap().unwrap().len(), 10);
        assert_eq!(read_limited(&path, 9).await.unwrap(), None);
    }

    #[tokio::test]
    async fn removing_a_missing_file_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        remove_if_present(&dir.path().join("gone.xml"))
            .await
            .unwrap();
    }
}

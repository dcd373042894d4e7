//! Small files that hold secrets (refresh tokens, subscription `clientState`s): read only if
//! no one but the owner can read them, replaced atomically, created `0600` on Unix.
//!
//! Used by [`FileTokenStore`](crate::auth::FileTokenStore) and
//! [`FileStore`](crate::watch::FileStore); each wraps these errors in its own words.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Why a private file could not be read or written.
#[derive(Debug)]
pub(crate) enum PrivateFileError {
    /// An I/O step failed (`what`: "cannot open", "cannot write", …).
    Io(&'static str, io::Error),
    /// The path is not a regular file.
    NotAFile,
    /// Group or others may access the file (Unix mode given).
    Permissions(u32),
}

/// The file's text, `None` if it does not exist.
pub(crate) fn read(path: &Path) -> Result<Option<String>, PrivateFileError> {
    let mut file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(PrivateFileError::Io("cannot open", e)),
    };
    let metadata = file
        .metadata()
        .map_err(|e| PrivateFileError::Io("cannot stat", e))?;
    if !metadata.is_file() {
        return Err(PrivateFileError::NotAFile);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(PrivateFileError::Permissions(mode));
        }
    }
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|e| PrivateFileError::Io("cannot read", e))?;
    Ok(Some(text))
}

/// Replaces the file with `contents`: written to a temporary file in the same directory
/// (mode `0600` from its creation), flushed to disk, renamed over `path`, and the directory
/// flushed, so a crash leaves either the old or the new file, never a mix.
pub(crate) fn write(path: &Path, contents: &[u8]) -> Result<(), PrivateFileError> {
    write_with(path, contents, || Ok(()))
}

/// [`write`] with a hook between the durable temporary file and the rename (tests simulate
/// a crash there).
pub(crate) fn write_with(
    path: &Path,
    contents: &[u8],
    before_rename: impl FnOnce() -> io::Result<()>,
) -> Result<(), PrivateFileError> {
    let name = path.file_name().ok_or_else(|| {
        PrivateFileError::Io(
            "cannot write",
            io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"),
        )
    })?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.exists() {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(&dir)
            .map_err(|e| PrivateFileError::Io("cannot create its directory", e))?;
    }
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
    let temp = dir.join(temp_name);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Set when the file is created: it is never readable by others, not even briefly.
        options.mode(0o600);
    }
    let result = options.open(&temp).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        before_rename()?;
        fs::rename(&temp, path)
    });
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(PrivateFileError::Io("cannot write", e));
    }
    // Make the rename itself durable (best effort: not every platform can open a directory).
    if let Ok(dir) = fs::File::open(&dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "msgraph-private-file-{name}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_crash_before_the_rename_leaves_the_old_file_and_no_temporary_file() {
        let dir = temp_dir("crash");
        let path = dir.join("state.json");
        write(&path, b"old").unwrap();
        let err = write_with(&path, b"new", || Err(io::Error::other("crash"))).unwrap_err();
        assert!(
            matches!(err, PrivateFileError::Io("cannot write", _)),
            "{err:?}"
        );
        assert_eq!(read(&path).unwrap().as_deref(), Some("old"));
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["state.json"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private_and_readable_only_when_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir("mode");
        let path = dir.join("sub").join("state.json");
        write(&path, b"x").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            read(&path),
            Err(PrivateFileError::Permissions(0o644))
        ));
        assert_eq!(read(&dir.join("absent.json")).unwrap(), None);
        fs::remove_dir_all(&dir).unwrap();
    }
}

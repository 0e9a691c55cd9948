"""Where an adapter comes from: a local directory, a Google Drive folder, or a Hugging Face Hub repo.

Each Colab notebook runs in its own runtime, so an adapter trained in notebook 3 reaches notebooks 4
and 5 through Drive or the Hub. `resolve_adapter` turns any of the three into a local directory that
holds an adapter saved by training (`course_meta.json`), or stops with one line saying what was tried.
"""

from __future__ import annotations

import re
from pathlib import Path

DRIVE_ROOT = "/content/drive"  # where Colab mounts Google Drive
MOUNT_COMMAND = "from google.colab import drive; drive.mount('/content/drive')"
_REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*")


class AdapterNotFoundError(FileNotFoundError):
    """An adapter location that is neither a saved adapter directory nor a downloadable Hub repo."""


def is_drive_path(value: str | Path) -> bool:
    root = Path(DRIVE_ROOT)
    path = Path(value)
    return path == root or root in path.parents


def drive_mount_problem(value: str | Path) -> str | None:
    """None when Google Drive is mounted, else how to mount it (for a path under `DRIVE_ROOT`)."""
    if Path(DRIVE_ROOT, "MyDrive").is_dir():
        return None
    return (f"adapter {str(value)!r}: Google Drive is not mounted. Run `{MOUNT_COMMAND}` in a cell (and allow "
            "access), then run this cell again.")


def looks_like_repo_id(value: str) -> bool:
    return bool(_REPO_ID.fullmatch(value))


def download_adapter(repo_id: str) -> Path:
    """The Hub repo's files in the local Hub cache (`snapshot_download`), with the course's token."""
    from huggingface_hub import snapshot_download

    from .training import hub_token

    return Path(snapshot_download(repo_id=repo_id, token=hub_token()))


def _hub_failure(error: Exception) -> str:
    from huggingface_hub.errors import GatedRepoError, LocalEntryNotFoundError, RepositoryNotFoundError

    if isinstance(error, GatedRepoError):
        return "it is gated and this token has no access"
    if isinstance(error, RepositoryNotFoundError):
        return "no such repo, or it is private and no token was found (add the HF_TOKEN secret)"
    if isinstance(error, LocalEntryNotFoundError):
        return "the Hub cannot be reached (offline, HF_HUB_OFFLINE=1?) and it is not in the local Hub cache"
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}".rstrip(": ")


def resolve_adapter(value: str | Path) -> Path:
    """The local adapter directory for `value`: a directory, a Drive path, or a Hub repo id `user/name`.

    A directory is used as it is; a path under `/content/drive` needs Drive mounted; anything else of
    the form `user/name` is downloaded from the Hub. Raises `AdapterNotFoundError` with one line naming
    `value` and what was tried, also when the folder found has no `course_meta.json`.
    """
    from .training import META_FILE

    text = str(value).strip()
    if not text:
        raise AdapterNotFoundError("no adapter given: pass a directory, a Drive path or a Hub repo id (user/name)")
    path = Path(text).expanduser()
    if path.is_dir():
        found, where = path, f"directory {text}"
    elif is_drive_path(path):
        problem = drive_mount_problem(text)
        raise AdapterNotFoundError(problem or f"adapter {text!r}: no such folder on the mounted Google Drive; "
                                              "check the path in the Files pane (drive/MyDrive/...)")
    elif looks_like_repo_id(text) and not path.exists():
        try:
            found, where = download_adapter(text), f"Hub repo {text}"
        except (OSError, ValueError) as e:  # the Hub's errors: HTTP (not found, gated), offline, invalid id
            raise AdapterNotFoundError(
                f"adapter {text!r}: not a local directory, and the Hub repo {text} could not be downloaded "
                f"({_hub_failure(e)})") from None
    else:
        raise AdapterNotFoundError(
            f"adapter {text!r}: no such directory, and not a Hub repo id (user/name) or a Drive path "
            f"({DRIVE_ROOT}/MyDrive/...)")
    if not (found / META_FILE).is_file():
        raise AdapterNotFoundError(f"adapter {text!r}: the {where} has no {META_FILE}; expected an adapter saved "
                                   "by training (notebook 3 or `python -m helpers train`)")
    return found

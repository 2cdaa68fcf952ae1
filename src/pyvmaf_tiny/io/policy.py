"""The one path policy: every file the package opens for a caller goes through it.

A path is accepted only if it resolves (after symlinks) to an existing regular
file, inside the allowed roots when there are any. It is then opened without
blocking (a FIFO or device swapped in after the check cannot hang the open) and
checked again on the open descriptor, so what is read is what was checked.
Reads are capped by a byte budget while they happen, never by a size read
beforehand (``/dev/zero`` and growing files report sizes that lie).

The library's default policy has no roots and lets FFmpeg pick any demuxer; the
MCP server uses roots and ``single_file_media=True``: containers are opened
only through demuxers that read one file, chosen from the file's content, and a
file that names others (playlists, concat lists, image sequences) is refused.
A policy with roots always reads media that way, since a file FFmpeg opens on
its own could not be held to the roots.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from typing import BinaryIO, Callable, Optional, Sequence, Union

from ..errors import InputError, ModelError

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

MiB = 1 << 20


@dataclass(frozen=True)
class Budgets:
    """Byte budgets for what the package reads whole into memory."""

    model_json: int = 64 * MiB  # a libvmaf JSON model
    sidecar: int = 1 * MiB      # a tiny model's JSON sidecar
    onnx: int = 16 * MiB        # a tiny model's .onnx


class OutsideRoots(InputError):
    """A path that resolves outside every allowed root."""


def shown(path: PathLike) -> str:
    """`path` as text that can always be printed: undecodable bytes of a file
    name (kept by Python as surrogates) come out as \\x escapes."""
    return printable(os.fsdecode(os.fspath(path)))


def printable(text: str) -> str:
    """`text` with the surrogates that stand for undecodable bytes written as \\x escapes (any other lone
    surrogate as \\u), so that it encodes as UTF-8."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def native_path(path: PathLike) -> bytes:
    """The bytes the operating system knows the file by, for the native core."""
    return os.fsencode(os.fspath(path))


class PathPolicy:
    """Which files may be opened for a caller, and within which budgets."""

    def __init__(self, roots: Optional[Sequence[PathLike]] = None, *, single_file_media: bool = False,
                 budgets: Budgets = Budgets()):
        dirs = []
        for d in roots or ():
            real = os.path.realpath(os.path.expanduser(os.fsdecode(os.fspath(d))))
            if not os.path.isdir(real):
                raise InputError(f"root {shown(d)}: not a directory")
            dirs.append(real)
        self.roots: tuple[str, ...] = tuple(dict.fromkeys(dirs))
        self.single_file_media = bool(single_file_media)
        self.budgets = budgets

    @property
    def single_file_only(self) -> bool:
        """Whether media must be read as single files (see the module's doc)."""
        return self.single_file_media or bool(self.roots)

    def __repr__(self) -> str:
        return (f"PathPolicy(roots={list(self.roots) or None}, single_file_media={self.single_file_media}, "
                f"budgets={self.budgets})")

    def resolve(self, path: PathLike, what: str = "file", error: type = InputError) -> str:
        """The real path of `path` (relative paths start at the first root, if
        any), after checking it is a regular file inside the roots. Messages
        start with "`what` `path`" ("`path`" alone when `what` is empty)."""
        return self._check(path, what, error)[0]

    def open(self, path: PathLike, what: str = "file", error: type = InputError, buffering: int = -1) -> BinaryIO:
        """`path` opened for reading, once resolve() accepts it, without
        blocking; the open descriptor must be the regular file that was checked."""
        real, checked = self._check(path, what, error)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(real, flags)
        except OSError as e:
            raise error(f"{_label(what, path)}: cannot open ({e.strerror})") from None
        try:
            st = os.fstat(fd)
            _require_regular(st, path, what, error)
            if (st.st_dev, st.st_ino) != (checked.st_dev, checked.st_ino):
                raise error(f"{_label(what, path)}: changed while it was being opened")
            if hasattr(os, "set_blocking"):
                os.set_blocking(fd, True)
            return os.fdopen(fd, "rb", buffering=buffering)
        except BaseException:
            os.close(fd)
            raise

    def _check(self, path: PathLike, what: str, error: type) -> tuple[str, os.stat_result]:
        text = _path_text(path, what, error, "file")
        base = self.roots[0] if self.roots else os.getcwd()
        try:
            real = os.path.realpath(os.path.join(base, os.path.expanduser(text)))
        except (OSError, ValueError) as e:
            raise error(f"{_label(what, text)}: cannot resolve ({e})") from None
        if self.roots and not any(_inside(real, root) for root in self.roots):
            raise OutsideRoots(
                f"{_label(what, text)} resolves outside the allowed roots: only files that resolve, after "
                f"symlinks, inside {', '.join(shown(r) for r in self.roots)} may be read"
            )
        try:
            st = os.stat(real)
        except FileNotFoundError:
            raise error(f"{_label(what, text)}: no such file") from None
        except OSError as e:
            raise error(f"{_label(what, text)}: cannot read ({e.strerror})") from None
        _require_regular(st, text, what, error)
        return real, st

    def read_bytes(self, path: PathLike, what: str, cap: int, error: type = ModelError) -> bytes:
        """The whole file, refused as soon as it is found to hold more than `cap` bytes."""
        with self.open(path, what, error) as f:
            try:
                data = f.read(cap + 1)
            except OSError as e:  # a regular file can still fail to read (/proc/self/mem, a failing disk)
                raise error(f"{_label(what, path)}: read failed ({e.strerror or e})") from None
        if len(data) > cap:
            raise error(f"{_label(what, path)}: larger than the {_size(cap)} cap")
        return data



def open_output(path: PathLike, what: str = "", mode: str = "w", **kwargs):
    """`path` opened for writing as open() would, except that a FIFO no one reads is refused at once instead
    of hanging the open (a pipe with a reader, /dev/stdout and /dev/null still work)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(os.fspath(path), flags, 0o666)
    except OSError as e:
        reason = "a FIFO that no one reads" if e.errno == errno.ENXIO else e.strerror
        raise InputError(f"{_label(what, path)}: cannot write ({reason})") from None
    try:
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def check_output(path: PathLike, what: str = "") -> None:
    """Before a long run: `path` can be written to (its folder exists; it is not a directory)."""
    target = os.fspath(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        folder = os.path.dirname(os.path.abspath(target))
        if not os.path.isdir(folder):
            raise InputError(f"{_label(what, path)}: cannot write (No such file or directory)") from None
        return
    except OSError as e:
        raise InputError(f"{_label(what, path)}: cannot write ({e.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{_label(what, path)}: cannot write (Is a directory)")
    # A FIFO is not opened here: its reader would see the end of its data. open_output() refuses one no one reads.


def _path_text(path: PathLike, what: str, error: type, kind: str) -> str:
    """The path as text; `error` when it is not a path, is blank or holds a NUL."""
    try:
        text = os.fsdecode(os.fspath(path))
    except TypeError:
        raise error(f"{what or 'path'}: expected a {kind} path, got {type(path).__name__}") from None
    if not text.strip() or "\0" in text:
        raise error(f"{what or 'path'}: expected a {kind} path, got {printable(repr(text))}")
    return text


def check_output_dir(path: PathLike, what: str = "", names: Callable[[str], bool] = lambda name: False) -> None:
    """Before a long run: `path` is a folder that exists, or can be made with its parents (the nearest
    that exists is a folder); and what stands in it under a name `names` accepts (the files the run will
    write) is a regular file where anything is. A FIFO or device there would have the writer wait on it
    or write into it: it is refused, as the native writer refuses it."""
    text = _path_text(path, what, InputError, "folder")
    folder = os.path.abspath(text)
    probe = folder
    while True:
        try:
            st = os.stat(probe)
            break
        except (FileNotFoundError, NotADirectoryError):  # (a file above it: found on the way up)
            parent = os.path.dirname(probe)
            if parent == probe:
                raise InputError(f"{_label(what, path)}: cannot make the folder (no such drive)") from None
            probe = parent
        except OSError as e:
            raise InputError(f"{_label(what, path)}: cannot make the folder ({e.strerror})") from None
    if not stat.S_ISDIR(st.st_mode):
        where = "" if probe == folder else f"{shown(probe)} "
        raise InputError(f"{_label(what, path)}: {where}is {_kind(st)}, not a folder")
    if probe != folder:
        if not os.access(probe, os.W_OK | os.X_OK):
            raise InputError(f"{_label(what, path)}: cannot make the folder in {shown(probe)} (Permission denied)")
        return
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{_label(what, path)}: cannot write in the folder (Permission denied)")
    with os.scandir(folder) as entries:
        for entry in entries:
            if names(entry.name):
                try:
                    st = os.stat(entry.path)
                except FileNotFoundError:
                    continue  # a dangling link: written through, as a new file
                if not stat.S_ISREG(st.st_mode):
                    raise InputError(f"{_label(what, path)}: {shown(entry.name)} in it is {_kind(st)}, not a regular "
                                     f"file")


DEFAULT_POLICY = PathPolicy()


def _require_regular(st: os.stat_result, path: PathLike, what: str, error: type) -> None:
    if stat.S_ISREG(st.st_mode):
        return
    kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode)
            else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
    raise error(f"{_label(what, path)}: is {kind}, not a regular file" if kind != "not a regular file"
                else f"{_label(what, path)}: not a regular file")


def _kind(st: os.stat_result) -> str:
    mode = st.st_mode
    return ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a regular file" if stat.S_ISREG(mode) else "not a folder")


def _label(what: str, path: PathLike) -> str:
    return f"{what} {shown(path)}" if what else shown(path)


def _inside(path: str, root: str) -> bool:
    path, root = os.path.normcase(path), os.path.normcase(root)
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives on Windows
        return False


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= MiB and n % MiB == 0 else f"{n} bytes"

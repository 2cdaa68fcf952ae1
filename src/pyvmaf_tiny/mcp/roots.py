"""The MCP server's path policy: it reads only files that resolve, after symlinks, inside its roots."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from ..errors import InputError

ENV_VAR = "PYVMAF_TINY_MCP_ROOTS"


class OutsideRoots(InputError):
    """A path that resolves outside every configured root."""


@dataclass(frozen=True)
class Roots:
    dirs: tuple[str, ...]  # real paths (symlinks resolved), first one first

    @classmethod
    def configure(cls, given: Optional[Sequence[str]] = None, environ: Mapping[str, str] = os.environ) -> "Roots":
        """Roots from --root, else from $PYVMAF_TINY_MCP_ROOTS (os.pathsep-separated), else the current directory."""
        if not given:
            given = [p for p in environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
        if not given:
            given = [os.getcwd()]
        dirs = []
        for d in given:
            real = os.path.realpath(os.path.expanduser(d))
            if not os.path.isdir(real):
                raise InputError(f"root {d}: not a directory")
            dirs.append(real)
        return cls(tuple(dict.fromkeys(dirs)))

    def resolve(self, path: str, what: str = "path") -> str:
        """The real path of `path` (relative paths are taken from the first root); refuses one outside the roots."""
        if not isinstance(path, str) or not path.strip() or "\0" in path:
            raise InputError(f"{what}: expected a file path, got {path!r}")
        try:
            real = os.path.realpath(os.path.join(self.dirs[0], os.path.expanduser(path)))
        except (OSError, ValueError) as e:
            raise InputError(f"{what} {path!r}: cannot resolve ({e})") from None
        if not any(_inside(real, root) for root in self.dirs):
            raise OutsideRoots(
                f"{what} {path!r} resolves to {real}, outside the allowed roots: this server reads only files "
                f"that resolve, after symlinks, inside {', '.join(self.dirs)} "
                f"(set with --root or {ENV_VAR})"
            )
        return real


def _inside(path: str, root: str) -> bool:
    path, root = os.path.normcase(path), os.path.normcase(root)
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives on Windows
        return False

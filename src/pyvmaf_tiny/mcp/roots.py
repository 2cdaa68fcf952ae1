"""The MCP server's roots: where they come from, and the path policy they make.

Every check is the package's one path policy (pyvmaf_tiny.io.policy): files
that resolve, after symlinks, inside the roots, regular, opened without
blocking, and media read only through demuxers that read a single file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

from ..io.policy import OutsideRoots, PathPolicy

__all__ = ["ENV_VAR", "OutsideRoots", "Roots"]

ENV_VAR = "PYVMAF_TINY_MCP_ROOTS"


@dataclass(frozen=True)
class Roots:
    policy: PathPolicy = field(repr=False)

    @property
    def dirs(self) -> tuple[str, ...]:
        """The roots' real paths (symlinks resolved), first one first."""
        return self.policy.roots

    @classmethod
    def configure(cls, given: Optional[Sequence[str]] = None, environ: Mapping[str, str] = os.environ) -> "Roots":
        """Roots from --root, else from $PYVMAF_TINY_MCP_ROOTS (os.pathsep-separated), else the current directory."""
        if not given:
            given = [p for p in environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
        if not given:
            given = [os.getcwd()]
        return cls(PathPolicy(given, single_file_media=True))

    def resolve(self, path: str, what: str = "path") -> str:
        """The real path of `path` (relative paths are taken from the first root), a regular file inside the
        roots."""
        return self.policy.resolve(path, what)

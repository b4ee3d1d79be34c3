"""Makes the wheel a platform wheel: it carries Sextant's bundled runtime (``sextant/runtime``,
made by ``npm run build:lab``) whose native SQLite module runs on one platform only. The tag says
which: the operating system and architecture the module was built for (``runtime.json``) and, on
Linux, the newest glibc symbol version the module needs (a ``manylinux_2_X`` tag)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

RUNTIME = Path("sextant") / "runtime" / "out"
NATIVE = RUNTIME / "node_modules" / "better-sqlite3" / "build" / "Release" / "better_sqlite3.node"
ARCHES = {"x64": "x86_64", "arm64": "aarch64"}


def platform_tag(root: Path) -> str:
    """The wheel platform tag for the bundled native module under ``root``."""
    facts = json.loads((root / RUNTIME / "runtime.json").read_text(encoding="utf-8"))
    platform, arch = facts["platform"], facts["arch"]
    if platform != "linux" or arch not in ARCHES:
        raise RuntimeError(f"no wheel tag is defined for a runtime built on {platform}-{arch}")
    needed = re.findall(rb"GLIBC_2\.(\d+)", (root / NATIVE).read_bytes())
    minor = max((int(n) for n in needed), default=17)
    return f"manylinux_2_{max(minor, 17)}_{ARCHES[arch]}"


class SextantRuntimeHook(BuildHookInterface):
    """Tags a standard wheel for the bundled runtime's platform; refuses one without the runtime."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        if not (root / RUNTIME / "runtime.json").is_file() or not (root / NATIVE).is_file():
            raise RuntimeError(
                "the wheel needs Sextant's bundled runtime in sextant/runtime: run `npx tsc -b` and "
                "`npm run build:lab -w extension-jupyterlab` in the repository first"
            )
        build_data["pure_python"] = False
        build_data["tag"] = f"py3-none-{platform_tag(root)}"

"""The packs in ``rules/`` (kept at the top of the repository, where they are edited) are copied
into the wheel as ``cleaner/rules/``, so an installed ``cleaner`` finds its default packs.

An editable install copies nothing: ``cleaner.packs`` finds ``rules/`` beside the package.

The boilerplate model's measures and scoring passes have a C version
(``cleaner/engine/_fastlines.c``), optional: where it cannot be built (no compiler), the install
goes on and ``cleaner.engine.linescore`` uses its numpy path, which gives the same floats."""

import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py


class BuildWithRules(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        source = Path(__file__).resolve().parent / "rules"
        target = Path(self.build_lib) / "cleaner" / "rules"
        for f in sorted(source.rglob("*.yaml")):
            dest = target / f.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            self.copy_file(str(f), str(dest))


# No fused multiply-add and no fast math: the C floats must be the Python path's, bit for bit.
_FLAGS = [] if sys.platform == "win32" else ["-O2", "-ffp-contract=off", "-fno-fast-math"]

setup(
    cmdclass={"build_py": BuildWithRules},
    ext_modules=[
        Extension(
            "cleaner.engine._fastlines",
            ["cleaner/engine/_fastlines.c"],
            extra_compile_args=_FLAGS,
            optional=True,
        )
    ],
)

"""The packs in ``rules/`` (kept at the top of the repository, where they are edited) are copied
into the wheel as ``cleaner/rules/``, so an installed ``cleaner`` finds its default packs.

An editable install copies nothing: ``cleaner.packs`` finds ``rules/`` beside the package."""

from pathlib import Path

from setuptools import setup
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


setup(cmdclass={"build_py": BuildWithRules})

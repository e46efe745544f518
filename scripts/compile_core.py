"""Compile the pure sizing core with mypyc, in place: a .so beside each sizing/*.py.

The modules share one runtime library; it is placed inside the package (`sizing/core__mypyc…so`)
so that it imports wherever `sizing` does, not only from the repository's root.
Run by `make compile`; `sizing/__init__.py` stays Python and refuses a stale build.
"""

import sys
from pathlib import Path

from mypyc.build import mypycify
from setuptools import setup

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    modules = sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "sizing").glob("*.py") if p.name != "__init__.py"
    )
    setup(
        name="himari-l3-core",
        ext_modules=mypycify(modules, group_name="sizing.core", opt_level="3"),
        script_args=["build_ext", "--inplace", "--build-temp", "build/mypyc"],
    )
    for built in (ROOT / "sizing").glob("*.so"):
        built.touch()  # build_ext copies each file with its first build's time


if __name__ == "__main__":
    sys.exit(main())

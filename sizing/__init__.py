"""The pure sizing core: no Faust, no Kafka, no clock, no I/O.

`make` compiles these modules with mypyc (a `.so` beside each `.py`); Python prefers the `.so`.
A `.so` older than its source would silently run old code, so importing refuses that.
"""

from pathlib import Path


def _refuse_stale_build() -> None:
    here = Path(__file__).parent
    for built in here.glob("*.so"):
        source = here / (built.name.split(".", 1)[0] + ".py")
        if source.exists() and source.stat().st_mtime > built.stat().st_mtime:
            raise ImportError(
                f"{built.name} is older than {source.name}: run `make compile` to rebuild the "
                "compiled core, or `make clean-compiled` to run it as plain Python"
            )


_refuse_stale_build()

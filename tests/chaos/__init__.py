import pytest

# The shared checks assert in a helper module: let pytest explain their failures too.
pytest.register_assert_rewrite("tests.chaos.checks")

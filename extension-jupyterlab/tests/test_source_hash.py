"""The magics' source hash follows the one rule of core/src/model/sourceHash.ts."""

import pytest

from sextant.tracker import source_hash

# Computed by core/src/model/sourceHash.ts (`sourceHash`), the rule every client follows.
VECTORS = [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("x = 1\r\ny = 2", "9af816430225a200bd1da83ad7cfc1e13bdff4759621e9d1c92867dfaae11c34"),
    ("a\rb\n", "911169ddaaf146aff539f58c26c489af3b892dff0fe283c1c264c65ae5aa59a2"),
    ("lr = 0.1  # ünïcode ✓", "cb2c0e669cf9d8593802b89313c90a738b4787e7675051530622904edc377bd0"),
]


@pytest.mark.parametrize(("source", "expected"), VECTORS)
def test_source_hash_matches_the_typescript_rule(source: str, expected: str) -> None:
    assert source_hash(source) == expected


def test_line_ends_do_not_change_the_hash() -> None:
    crlf, lf, cr = "x = 1\r\ny = 2", "x = 1\ny = 2", "x = 1\ry = 2"
    assert source_hash(crlf) == source_hash(lf) == source_hash(cr)

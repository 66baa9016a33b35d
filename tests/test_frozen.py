"""xlint.frozen: the faster __init__ of frozen dataclasses keeps what the dataclass gives."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from xlint.frozen import fast_init
from xlint.shell import SimpleCommand, Word
from xlint.syntax.tree import Span


@dataclasses.dataclass(frozen=True, order=True)
class Plain:
    a: int
    b: str = "x"


@fast_init
@dataclasses.dataclass(frozen=True, order=True)
class Fast:
    a: int
    b: str = "x"


def test_same_behaviour_as_the_generated_init() -> None:
    for args, kwargs in [((1,), {}), ((1, "y"), {}), ((), {"a": 2}), ((3,), {"b": "z"})]:
        p, f = Plain(*args, **kwargs), Fast(*args, **kwargs)  # type: ignore[arg-type]
        assert (f.a, f.b) == (p.a, p.b)
        assert repr(f) == repr(p).replace("Plain", "Fast")
        assert f == Fast(f.a, f.b) and hash(f) == hash(Fast(f.a, f.b))
    assert Fast(1) < Fast(2) and sorted([Fast(2), Fast(1, "a")]) == [Fast(1, "a"), Fast(2)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Fast(1).a = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        Fast()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Fast(1, "x", 3)  # type: ignore[call-arg]
    f = Fast(1, "y")
    assert dataclasses.replace(f, b="z") == Fast(1, "z")
    assert copy.deepcopy(f) == f and pickle.loads(pickle.dumps(f)) == f
    assert dataclasses.asdict(f) == {"a": 1, "b": "y"}


def test_the_tree_and_shell_types_use_it() -> None:
    s = Span(1, 3)
    assert (s.start, s.end, len(s)) == (1, 3, 2) and Span(start=1, end=3) == s
    cmd = SimpleCommand("go", [Word("go", "go", s)], [], s)
    assert cmd.context == () and cmd.basename == "go"
    for cls in (Span, Word, SimpleCommand):
        assert cls.__init__.__code__.co_varnames[-1] == "d", cls  # the dict-writing __init__


def test_refuses_what_it_does_not_handle() -> None:
    @dataclasses.dataclass(frozen=True)
    class WithFactory:
        a: list[int] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass
    class NotFrozen:
        a: int

    for cls in (WithFactory, NotFrozen):
        with pytest.raises(AssertionError):
            fast_init(cls)

"""Records (:mod:`xlint.records`) behave as the dataclasses with the same options would."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any, ClassVar

import pytest

from xlint import records
from xlint.records import FrozenInstanceError, field, record, replace


def _pair(frozen: bool, order: bool, eq: bool = True) -> tuple[type[Any], type[Any]]:
    """The same class made by record and by dataclass."""

    def body() -> dict[str, Any]:
        return {"__annotations__": {"a": "int", "b": "str", "tags": "list[str]", "note": "str", "kind": "ClassVar[str]"},
                "b": "x", "tags": records.field(default_factory=list), "note": records.field(default="n", repr=False,
                                                                                             compare=False),
                "kind": "k", "__module__": __name__}

    mine: type[Any] = record(frozen=frozen, order=order, eq=eq)(type("Rec", (), body()))
    theirs_body = body()
    theirs_body["tags"] = dataclasses.field(default_factory=list)
    theirs_body["note"] = dataclasses.field(default="n", repr=False, compare=False)
    theirs: type[Any] = dataclasses.dataclass(frozen=frozen, order=order, eq=eq)(type("Rec", (), theirs_body))
    return mine, theirs


CASES = [(False, False), (True, False), (True, True), (False, True)]


@pytest.mark.parametrize(("frozen", "order"), CASES)
def test_same_behaviour_as_a_dataclass(frozen: bool, order: bool) -> None:
    mine, theirs = _pair(frozen, order)
    for cls in (mine, theirs):
        one, two, three = cls(1), cls(1, "x", [], "other note"), cls(2, b="y", tags=["t"])
        assert (one == two, one == three, one != three) == (True, False, True)
        assert one.tags == [] and one.tags is not cls(1).tags  # a fresh list each time
        assert cls.kind == "k" and "kind" not in vars(one)  # a ClassVar is no field
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [((1,), {}), ((1, "z"), {"tags": ["a"]}), ((), {"a": 3, "note": "q"})]
    for args, kwargs in calls:
        m, t = mine(*args, **kwargs), theirs(*args, **kwargs)
        assert repr(m) == repr(t) and vars(m) == vars(t)
        assert (m == mine(*args, **kwargs)) == (t == theirs(*args, **kwargs))
    assert (mine(1) == theirs(1)) is False  # another class: never equal
    if order:
        pairs = [((1,), (2,)), ((1, "b"), (1, "a")), ((1,), (1,))]
        for x, y in pairs:
            for op in ("__lt__", "__le__", "__gt__", "__ge__"):
                assert getattr(mine(*x), op)(mine(*y)) == getattr(theirs(*x), op)(theirs(*y)), (x, y, op)
        assert sorted([mine(3), mine(1), mine(2)]) == [mine(1), mine(2), mine(3)]
    else:
        with pytest.raises(TypeError):
            _ = mine(1) < mine(2)
    if frozen:
        # a frozen record's hash is its compared fields'; assigning or deleting refuses
        assert hash(mine(1, "x", ())) == hash(mine(1, "x", (), "another note"))
        m = mine(1)
        with pytest.raises(FrozenInstanceError):
            m.a = 2
        with pytest.raises(FrozenInstanceError):
            del m.a
        with pytest.raises(AttributeError):
            theirs(1).a = 2
    else:
        assert mine.__hash__ is None and theirs.__hash__ is None  # (mutable: unhashable)
        m = mine(1)
        m.a = 5
        assert m.a == 5


def test_inheritance_defaults_post_init_and_own_methods() -> None:
    @record
    class Base:
        a: int
        b: int = 2

    @record
    class Child(Base):
        c: int = 3
        seen: list[int] = field(default_factory=list)

        def __post_init__(self) -> None:
            self.seen.append(self.a + self.b + self.c)

        def __repr__(self) -> str:
            return "mine"

    c = Child(1, c=10)
    assert (c.a, c.b, c.c, c.seen) == (1, 2, 10, [13]) and repr(c) == "mine"
    assert [f.name for f in records.fields(Child)] == ["a", "b", "c", "seen"]
    assert Child.__match_args__ == ("a", "b", "c", "seen")
    assert Base.b == 2  # a plain default stays the class attribute, as a dataclass has it
    with pytest.raises(TypeError, match="non-default argument"):
        @record
        class Bad:
            a: int = 1
            b: int  # type: ignore[misc]


def test_replace_copy_and_pickle() -> None:
    @record(frozen=True)
    class Point:
        x: int
        y: int = 0

    p = Point(1, 2)
    assert replace(p, y=5) == Point(1, 5) and p == Point(1, 2)
    with pytest.raises(TypeError, match="no field"):
        replace(p, z=1)
    assert copy.copy(p) == p and copy.deepcopy(p) == p
    assert pickle.loads(pickle.dumps(_Module(3, ["a"]))) == _Module(3, ["a"])


@record
class _Module:
    n: int
    items: list[str] = field(default_factory=list)
    kind: ClassVar[str] = "module-level (pickle finds the class by name)"


def test_records_compile_nothing_and_many_fields_still_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """A record's ``__init__`` comes from a renamed template (nothing compiled); past the templates' 16
    fields it is compiled, the same either way."""
    import builtins

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("compiled")

    with monkeypatch.context() as m:
        m.setattr(builtins, "compile", refuse)

        @record(frozen=True)
        class Small:
            a: int
            b: list[int] = field(default_factory=list)

    assert Small(1) == Small(1, []) and Small(1).b is not Small(1).b and Small(a=2, b=[3]).b == [3]
    wide = record(type("Wide", (), {"__annotations__": {f"x{i}": "int" for i in range(20)}, "__module__": __name__}))
    w = wide(*range(20))
    assert (w.x0, w.x19) == (0, 19) and w == wide(*range(20)) and w != wide(*range(1, 21))


def test_the_templates_are_current() -> None:
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "scripts" / "gen-record-inits.py"
    assert subprocess.run([sys.executable, str(script), "--check"]).returncode == 0, \
        "xlint/_record_inits.py is not current: run python scripts/gen-record-inits.py"

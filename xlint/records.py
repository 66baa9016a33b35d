"""Record classes: what ``dataclasses.dataclass`` makes, made cheaply at import time.

Every value type of xlint (spans, tree nodes, shell words, stages, findings, fix plans) is a record. A
dataclass costs about 0.3 ms to create on a small machine: ``dataclasses`` compiles each generated method
on its own, renders a signature for the docstring of a class without one, and imports :mod:`inspect`
(with ``ast``, ``dis`` and ``tokenize``). A ``xlint check`` of one file creates about sixty such classes
before it reads a line, which was a third of its start-up. :func:`record` compiles nothing: a class's
``__init__`` is a template of :mod:`xlint._record_inits` (compiled with xlint) with its names replaced by
the fields' (up to 16 fields; past that it is compiled), and the other methods are closures.

What a record is, as a dataclass with the same options would be (``tests/test_records.py`` compares them):

- fields are the class's annotations (not ``ClassVar``), after those of its record bases, in order; a
  field's default comes from its class attribute or from :func:`field` (``default``, ``default_factory``,
  ``repr``, ``compare``);
- ``__init__`` takes the fields in order, positional or keyword, and calls ``__post_init__`` when the
  class has one; a frozen record's ``__init__`` writes the instance's dict (its ``__setattr__`` refuses);
- ``__repr__`` ``Name(a=1, b='x')``; ``__eq__`` compares the ``compare`` fields as a tuple, with an
  instance of the same class only; ``order=True`` adds ``<``, ``<=``, ``>``, ``>=`` the same way;
- ``frozen=True``: assigning or deleting a field raises :class:`FrozenInstanceError`, and the record
  hashes its ``compare`` fields; a record that is not frozen is unhashable (``__hash__ = None``) unless
  the class defines ``__hash__``;
- a method the class body defines itself (``__repr__``, ``__eq__``, ``__init__``) is kept.

:func:`replace` is ``dataclasses.replace``. Type checkers read :func:`record` as a dataclass
(``typing.dataclass_transform``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, dataclass_transform, overload

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")
FIELDS = "__record_fields__"  # on each record class: its Field objects, in order (bases' first)


class FrozenInstanceError(AttributeError):
    """Assigning to, or deleting, a field of a frozen record."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """One field of a record: its name, default (or default factory), and whether it is in the repr and the
    comparisons."""

    __slots__ = ("name", "default", "default_factory", "repr", "compare")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING, repr: bool = True,  # noqa: A002
                 compare: bool = True) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare


@overload
def field(*, default: T, repr: bool = ..., compare: bool = ...) -> T: ...  # noqa: A002
@overload
def field(*, default_factory: Callable[[], T], repr: bool = ..., compare: bool = ...) -> T: ...  # noqa: A002
@overload
def field(*, repr: bool = ..., compare: bool = ...) -> Any: ...  # noqa: A002
def field(*, default: Any = MISSING, default_factory: Any = MISSING, repr: bool = True,  # noqa: A002
          compare: bool = True) -> Any:
    """A field's options, as the class attribute's value: ``items: list[str] = field(default_factory=list)``."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, repr, compare)


def _is_classvar(annotation: object) -> bool:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", repr(annotation))
    text = text.strip()
    return text.startswith(("ClassVar", "typing.ClassVar")) or text == "ClassVar"


def _fields_of(cls: type) -> list[Field]:
    fields: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in base.__dict__.get(FIELDS, ()):
            fields[f.name] = f
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if _is_classvar(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        f = value if isinstance(value, Field) else Field(default=value)
        f.name = name
        fields[name] = f
        if isinstance(value, Field):  # the class attribute is the default, as a dataclass has it
            if f.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
    return list(fields.values())


def _init_source(fields: list[Field], frozen: bool, post_init: bool) -> tuple[str, dict[str, Any]]:
    """The source of the class's ``__init__`` (the one method compiled: the others are closures), and the
    names it needs."""
    env: dict[str, Any] = {"MISSING": MISSING}
    params, body = [], []
    for f in fields:
        if f.default is not MISSING:
            env[f"_d_{f.name}"] = f.default
            params.append(f"{f.name}=_d_{f.name}")
            value = f.name
        elif f.default_factory is not MISSING:
            env[f"_f_{f.name}"] = f.default_factory
            params.append(f"{f.name}=MISSING")
            value = f"_f_{f.name}() if {f.name} is MISSING else {f.name}"
        else:
            params.append(f.name)
            value = f.name
        body.append(f" d(self, {f.name!r}, {value})" if frozen else f" self.{f.name} = {value}")
    if post_init:
        body.append(" self.__post_init__()")
    env["_osa"] = object.__setattr__
    head = [" d = _osa"] if frozen else []
    return f"def __init__(self, {', '.join(params)}):\n" + "\n".join(head + body or [" pass"]) + "\n", env


def _template_init(cls: type, fields: list[Field], frozen: bool, post_init: bool) -> Callable[..., None] | None:
    """The class's ``__init__`` made from a template of :mod:`xlint._record_inits` (compiled with xlint,
    so making a record compiles nothing): its code with the placeholders renamed to the fields, their
    defaults, and an ``_after`` step for default factories and ``__post_init__``. None when no template
    fits."""
    from types import FunctionType

    from xlint import _record_inits

    names = [f.name for f in fields]
    if len(names) > _MAX_TEMPLATE or {"self", "_rec_d", "_after"} & set(names):
        return None
    factories = [(f.name, f.default_factory) for f in fields if f.default_factory is not MISSING]
    after = bool(factories) or post_init
    template = getattr(_record_inits, f"{'f' if frozen else 'p'}{'a' if after else ''}{len(names)}")
    code = template.__code__
    if frozen:
        rename = {f"f{i}": n for i, n in enumerate(names)}
        code = code.replace(co_consts=tuple(rename.get(c, c) if isinstance(c, str) else c for c in code.co_consts),
                            co_varnames=("self", *names, "_rec_d"))
    else:
        code = code.replace(co_names=tuple(names) + (("_after",) if after else ()), co_varnames=("self", *names))
    code = code.replace(co_name="__init__", co_qualname=f"{cls.__qualname__}.__init__")
    defaults = [f.default for f in fields if f.default is not MISSING or f.default_factory is not MISSING]
    # object.__setattr__, never self.__dict__: on CPython 3.11 an instance whose __dict__ was asked for
    # reads every attribute about twice as slowly
    osa = object.__setattr__
    scope: dict[str, Any] = {"_osa": osa}
    if after:
        def _after(self: Any) -> None:
            for name, make in factories:
                if getattr(self, name) is MISSING:
                    osa(self, name, make())
            if post_init:
                self.__post_init__()

        scope["_after"] = _after
    return FunctionType(code, scope, "__init__", tuple(defaults) if defaults else None)


_MAX_TEMPLATE = 16


def _methods(names: tuple[str, ...], shown: tuple[str, ...], frozen: bool, eq: bool, order: bool
             ) -> dict[str, Callable[..., Any]]:
    """``__repr__``, ``__eq__``, the order, the refusals of a frozen record and its ``__hash__``, as
    closures over the field names (``operator.attrgetter`` reads the compared fields as one tuple)."""
    from operator import attrgetter

    key = (attrgetter(*names) if len(names) > 1 else (lambda o: (getattr(o, names[0]),))) if names else (
        lambda o: ())
    out: dict[str, Callable[..., Any]] = {}

    def __repr__(self: Any) -> str:
        return f"{self.__class__.__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in shown)})"

    out["__repr__"] = __repr__
    if eq:
        def __eq__(self: Any, other: Any) -> Any:
            if other.__class__ is self.__class__:
                return key(self) == key(other)
            return NotImplemented

        out["__eq__"] = __eq__
    if order:
        def __lt__(self: Any, other: Any) -> Any:
            return key(self) < key(other) if other.__class__ is self.__class__ else NotImplemented

        def __le__(self: Any, other: Any) -> Any:
            return key(self) <= key(other) if other.__class__ is self.__class__ else NotImplemented

        def __gt__(self: Any, other: Any) -> Any:
            return key(self) > key(other) if other.__class__ is self.__class__ else NotImplemented

        def __ge__(self: Any, other: Any) -> Any:
            return key(self) >= key(other) if other.__class__ is self.__class__ else NotImplemented

        out.update(__lt__=__lt__, __le__=__le__, __gt__=__gt__, __ge__=__ge__)
    if frozen:
        def __setattr__(self: Any, name: str, value: Any) -> None:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")

        def __delattr__(self: Any, name: str) -> None:
            raise FrozenInstanceError(f"cannot delete field {name!r}")

        out.update(__setattr__=__setattr__, __delattr__=__delattr__)
        if eq:
            def __hash__(self: Any) -> int:
                return hash(key(self))

            out["__hash__"] = __hash__
    return out


@overload
def record(cls: type[T], /) -> type[T]: ...
@overload
def record(*, frozen: bool = ..., eq: bool = ..., order: bool = ...) -> Callable[[type[T]], type[T]]: ...
@dataclass_transform(field_specifiers=(field, Field))
def record(cls: type[T] | None = None, /, *, frozen: bool = False, eq: bool = True, order: bool = False
           ) -> type[T] | Callable[[type[T]], type[T]]:
    """Make ``cls`` a record (see the module's docstring): ``@record``, ``@record(frozen=True, order=True)``."""

    def make(cls: type[T]) -> type[T]:
        if order and not eq:
            raise ValueError("eq must be true if order is true")
        own = cls.__dict__
        fields = _fields_of(cls)
        defaulted = [f.default is not MISSING or f.default_factory is not MISSING for f in fields]
        if True in defaulted and not all(defaulted[defaulted.index(True):]):
            late = fields[defaulted.index(False, defaulted.index(True))].name
            raise TypeError(f"non-default argument {late!r} follows default argument")
        made: dict[str, Any] = {}
        if "__init__" not in own:
            post_init = hasattr(cls, "__post_init__")
            init = _template_init(cls, fields, frozen, post_init)
            if init is None:  # (more fields than the templates have, or a name they use)
                source, env = _init_source(fields, frozen, post_init)
                exec(compile(source, f"<record {cls.__qualname__}>", "exec"), env)  # noqa: S102 - field names
                init = env["__init__"]
            made["__init__"] = init
        compared = tuple(f.name for f in fields if f.compare)
        for name, fn in _methods(compared, tuple(f.name for f in fields if f.repr), frozen, eq, order).items():
            if name in own:
                if name in ("__lt__", "__le__", "__gt__", "__ge__"):
                    raise TypeError(f"cannot overwrite attribute {name} in class {cls.__name__}")
                if name != "__setattr__" and name != "__delattr__":
                    continue  # (the class's own method is kept)
            made[name] = fn
        for name, fn in made.items():
            fn.__qualname__ = f"{cls.__qualname__}.{name}"
            setattr(cls, name, fn)
        if eq and not frozen and "__hash__" not in own:
            setattr(cls, "__hash__", None)  # noqa: B010 - a mutable record is not hashable, as a dataclass
        setattr(cls, FIELDS, tuple(fields))  # noqa: B010
        setattr(cls, "__match_args__", tuple(f.name for f in fields))  # noqa: B010
        return cls

    return make if cls is None else make(cls)


def fields(obj: object) -> tuple[Field, ...]:
    """The fields of a record class or instance, in order."""
    found: tuple[Field, ...] | None = getattr(obj, FIELDS, None)
    if found is None:
        raise TypeError("must be called with a record class or instance")
    return found


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record ``obj`` with ``changes`` (``dataclasses.replace``)."""
    values = {f.name: getattr(obj, f.name) for f in fields(obj)}
    unknown = set(changes) - set(values)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {sorted(unknown)[0]!r}")
    values.update(changes)
    return type(obj)(**values)

"""Reading the `fields` section: the order fields a rule file's conditions and actions use.

Each field has a type, for an enum its values with the spellings that mean each one ("Suivi",
"suivi" and TRK are one mode), and where it is read from in the channel's order JSON. A spelling
that would mean two values is reported here, where the file says which line to fix.
"""

from __future__ import annotations

from engine.model.definition import FieldType, FieldValue, OrderField
from engine.model.problems import Location
from engine.rulefile.field_paths import PathSyntaxError, compile_path
from engine.rulefile.reader import Reader, describe, suggestion
from engine.rulefile.yaml_source import LocatedDict, LocatedList

FIELD_KEYS = ("type", "description", "values", "sources")
VALUE_HINT = "write each value as a key: 'CODE: {label: ..., aliases: [...]}' or 'CODE:' alone"
PATH_HINT = (
    "keys joined by '.', [0] for an item of a list, [key=value] for the first item whose key "
    "holds value"
)


def read_fields(reader: Reader, top: LocatedDict) -> tuple[OrderField, ...]:
    """Every readable field of the file; a field with problems is still kept (by name)."""
    section = top.get("fields")
    if section is None:
        return ()
    if reader.mapping(section, top.key_at("fields"), "'fields'") is None:
        return ()
    return tuple(_field(reader, section, name) for name in section)


def _field(reader: Reader, section: LocatedDict, name: str) -> OrderField:
    what = f"field '{name}'"
    data = reader.mapping(section[name], section.key_at(name), what, FIELD_KEYS, ("type",))
    if data is None:
        return OrderField(name, FieldType.STRING, where=section.key_at(name))
    type_name = reader.scalar(data, "type", str, what, "string")
    if type_name not in FieldType.__members__.values():
        reader.problem(
            data.at("type"),
            f"{what} has unknown type '{type_name}'",
            suggestion(type_name, FieldType) or f"expected one of: {', '.join(FieldType)}",
        )
        type_name = "string"
    kind = FieldType(type_name)
    values = _values(reader, data, what)
    if kind is FieldType.ENUM and "values" not in data:
        reader.problem(section.key_at(name), f"{what} is an enum but lists no 'values'")
    elif kind is not FieldType.ENUM and "values" in data:
        reader.problem(
            data.key_at("values"),
            f"{what} lists 'values' but its type is '{kind}'",
            "make it 'type: enum' or remove 'values'",
        )
    return OrderField(
        name,
        kind,
        reader.scalar(data, "description", str, what, ""),
        values,
        _sources(reader, data, what),
        section.key_at(name),
    )


def _values(reader: Reader, data: LocatedDict, what: str) -> tuple[FieldValue, ...]:
    table = _value_table(reader, data, what)
    if table is None:
        return ()
    result = []
    meaning: dict[str, tuple[str, str]] = {}  # casefolded spelling -> (spelling, code)
    for code, raw in table.items():
        entry = LocatedDict.empty(table.at(code)) if raw is None else raw
        entry_what = f"value '{code}' of {what}"
        if reader.mapping(entry, table.key_at(code), entry_what, ("label", "aliases")) is None:
            continue
        value = FieldValue(
            code,
            reader.scalar(entry, "label", str, entry_what, ""),
            texts(reader, entry, "aliases", entry_what),
        )
        _claim_spellings(reader, meaning, value, table.key_at(code), entry_what)
        result.append(value)
    return tuple(result)


def _value_table(reader: Reader, data: LocatedDict, what: str) -> LocatedDict | None:
    if "values" not in data:
        return None
    table = data["values"]
    if not isinstance(table, LocatedDict):
        reader.problem(
            data.at("values"),
            f"'values' of {what} must be a mapping, found {describe(table)}",
            VALUE_HINT,
        )
        return None
    if not table:
        reader.problem(data.at("values"), f"'values' of {what} lists no value", VALUE_HINT)
    return table


def _claim_spellings(
    reader: Reader,
    meaning: dict[str, tuple[str, str]],
    value: FieldValue,
    where: Location,
    what: str,
) -> None:
    """Record what each spelling of `value` means; one meaning two values is a problem, since
    the mapper could not tell which value an order holds."""
    for spelling in (value.code, value.label, *value.aliases):
        first = meaning.setdefault(spelling.casefold(), (spelling, value.code))
        if spelling and first[1] != value.code:
            reader.problem(
                where,
                f"{what} has the spelling '{spelling}', which already means "
                f"'{first[1]}' (as '{first[0]}')",
                "spellings are compared ignoring case: give each to one value only",
            )


def _sources(reader: Reader, data: LocatedDict, what: str) -> tuple[str, ...]:
    """The field's paths, each compiled here: a path the mapper cannot follow would otherwise
    pass validation and fail on the first order read, far from the line to fix."""
    sources = texts(reader, data, "sources", what)
    items = data.get("sources")
    if not isinstance(items, LocatedList):
        return sources
    for i, text in enumerate(items):
        if not isinstance(text, str):
            continue
        try:
            compile_path(text)
        except PathSyntaxError as exc:
            reader.problem(
                items.at(i),
                f"'sources' of {what} holds an invalid path '{text}': {exc.reason} "
                f"(column {exc.column} of the path)",
                PATH_HINT,
            )
    return sources


def texts(reader: Reader, data: LocatedDict, key: str, what: str) -> tuple[str, ...]:
    """A list of texts at `key` (numbers are read as their text); () when absent."""
    if key not in data:
        return ()
    items = reader.items(data[key], data.at(key), f"'{key}' of {what}")
    result = []
    for i, item in enumerate(items):
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            result.append(str(items.as_written(i)))
        else:
            reader.problem(
                items.at(i), f"'{key}' of {what} must list texts, found {describe(item)}"
            )
    return tuple(result)

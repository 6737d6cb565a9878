"""Located YAML: the scalars people mean, duplicate keys, places, and no exception ever."""

from __future__ import annotations

from engine.model.problems import Location
from engine.rulefile.yaml_source import LocatedDict, dump, load_located


def load(text: str) -> tuple[object, list[str]]:
    data, problems = load_located(text, "f.yaml")
    return data, [str(p) for p in problems]


def test_only_true_and_false_are_booleans() -> None:
    data, problems = load("a: [true, false, True, FALSE, yes, no, on, off, y, n, ~, null]\n")
    assert problems == []
    assert data == {
        "a": [True, False, "True", "FALSE", "yes", "no", "on", "off", "y", "n", None, None]
    }


def test_on_and_no_stay_texts_as_keys_too() -> None:
    data, problems = load("on: no\nno: on\nyes: 1\n")
    assert problems == []
    assert data == {"on": "no", "no": "on", "yes": 1}


def test_numbers_are_plain_decimals_and_dates_stay_texts() -> None:
    data, _ = load("a: [12, -3, +7, 0, 1.5, 3., .5, 1e3, 2.5E-1, 010, 0x1f, 1_000, 1:30]\n")
    assert data == {
        "a": [12, -3, 7, 0, 1.5, 3.0, 0.5, 1000.0, 0.25, "010", "0x1f", "1_000", "1:30"]
    }
    data, _ = load("when: 2024-01-01\nat: 2024-01-01 10:00:00\n")
    assert data == {"when": "2024-01-01", "at": "2024-01-01 10:00:00"}


def test_keys_keep_their_text() -> None:
    data, _ = load('01: a\n1.50: b\ntrue: c\n"x y": d\n')
    assert list(data) == ["01", "1.50", "true", "x y"]  # type: ignore[call-overload]


def test_numbers_remember_how_they_were_written() -> None:
    data, _ = load_located("a: 1.10\nb: [2.50, +7, x, 3]\nc: text\n", "f.yaml")
    assert isinstance(data, LocatedDict)
    assert data == {"a": 1.1, "b": [2.5, 7, "x", 3], "c": "text"}
    assert [data.as_written("a"), data.as_written("c")] == ["1.10", "text"]
    assert [data["b"].as_written(i) for i in range(4)] == ["2.50", "+7", "x", "3"]
    merged, _ = load_located("base: &b {v: 1.10}\nx: {<<: *b, w: 2.0}\n", "f.yaml")
    assert [merged["x"].as_written("v"), merged["x"].as_written("w")] == ["1.10", "2.0"]


def test_duplicate_key_is_reported_with_both_lines_and_the_first_kept() -> None:
    data, problems = load("a: 1\nb:\n  c: 2\n  c: 3\na: 4\n")
    assert data == {"a": 1, "b": {"c": 2}}
    assert problems == [
        "f.yaml:4:3: duplicate key 'c' (first written at line 3) "
        "(remove one of them: YAML would silently keep only the last)",
        "f.yaml:5:1: duplicate key 'a' (first written at line 1) "
        "(remove one of them: YAML would silently keep only the last)",
    ]


def test_syntax_error_is_located_with_a_hint() -> None:
    assert load("a: 1\nb: [1, 2\nc: 3\n") == (
        None,
        [
            "f.yaml:3:2: invalid YAML: expected ',' or ']', but got ':' "
            "(a '[' list is not closed: end it with ']')"
        ],
    )
    assert load("a:\n  b: 1\n c: 2\n") == (
        None,
        [
            "f.yaml:3:2: invalid YAML: expected <block end>, but found '<block mapping start>' "
            "(check this line's indentation against the lines above)"
        ],
    )


def test_every_value_knows_where_it_was_written() -> None:
    data, _ = load_located("top:\n  key: value\n  list:\n    - one\n    - {x: 1}\n", "f.yaml")
    assert isinstance(data, LocatedDict)
    top = data["top"]
    assert top.key_at("key") == Location("f.yaml", 2, 3)
    assert top.at("key") == Location("f.yaml", 2, 8)
    assert top["list"].at(1) == Location("f.yaml", 5, 7)
    assert top["list"].at(9) == Location("f.yaml", 4, 5)  # past the end: the list itself
    assert top.at("missing") == top.where == Location("f.yaml", 2, 3)


def test_merge_keys_let_explicit_keys_win_without_a_duplicate() -> None:
    data, problems = load("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  x: 3\n")
    assert problems == []
    assert data == {"base": {"x": 1, "y": 2}, "use": {"x": 3, "y": 2}}
    _, problems = load("a: {<<: 5}\n")
    assert problems == ["f.yaml:1:9: a merge ('<<') needs a mapping or a list of mappings"]


def test_empty_files_and_comments_only() -> None:
    assert load("") == (None, ["f.yaml:1:1: the file is empty"])
    assert load("# nothing\n\n") == (None, ["f.yaml:1:1: the file is empty"])
    assert load("~\n") == (None, [])  # a document holding nothing: the caller says what it wanted


def test_keys_must_be_names() -> None:
    data, problems = load("? [a, b]\n: 1\n~: 2\nok: 3\n")
    assert data == {"ok": 3}
    assert problems == [
        "f.yaml:1:3: a key must be a name, not a list, a mapping or nothing",
        "f.yaml:3:1: a key must be a name, not a list, a mapping or nothing",
    ]


def test_an_empty_key_is_reported() -> None:
    # The schema requires names of one character or more; the loader used to accept a status,
    # a field or a mapping code named '' (the diagram then drew a blank box).
    data, problems = load('"": 1\n" ": 2\nok: 3\n')
    assert data == {"ok": 3}
    assert problems == [
        "f.yaml:1:1: a key must be a name, not an empty text",
        "f.yaml:2:1: a key must be a name, not an empty text",
    ]


def test_tags_other_than_plain_data_are_refused_and_read_as_text() -> None:
    data, problems = load("a: !!python/object:os.system ls\nb: !!int abc\nc: !!str 12\n")
    assert data == {"a": "ls", "b": "abc", "c": "12"}
    assert problems == [
        "f.yaml:1:4: unsupported tag '!!python/object:os.system' "
        "(a rule file holds only texts, numbers, true/false, lists and mappings)",
        "f.yaml:2:4: 'abc' is not a valid !!int value",
    ]


def test_an_explicit_bool_tag_on_a_word_is_reported_not_raised() -> None:
    # PyYAML's constructor looks the word up in a table and raises KeyError for any other word.
    assert load("a: !!bool maybe\nb: !!bool yes\n") == (
        {"a": "maybe", "b": True},
        ["f.yaml:1:4: 'maybe' is not a valid !!bool value"],
    )


def test_control_characters_are_located() -> None:
    assert load("a: 1\nb: x\x00y\n") == (
        None,
        [
            "f.yaml:2:5: the character #x0000 is not allowed in a YAML file "
            "(remove it or write it as an escape in quotes)"
        ],
    )


def test_an_alias_inside_itself_is_a_problem_not_a_recursion() -> None:
    data, problems = load("a: &x [1, *x]\n")
    assert data == {"a": [1, None]}
    assert problems == ["f.yaml:1:4: this list or mapping contains an alias to itself"]


def test_alias_bombs_stop_at_the_value_budget() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 7):
        levels.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    assert load("\n".join(levels) + "\n") == (
        None,
        [
            "f.yaml:1:1: the file is too large once its aliases are expanded: more than "
            "100,000 values; the limit is 100,000 (check its aliases ('*name'))"
        ],
    )


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    assert load("a: " + "[" * 5000 + "]" * 5000 + "\n") == (
        None,
        [
            "f.yaml:1:43: the file is nested too deeply: lists and mappings 41 levels deep "
            "here; the limit is 40 (a rule file or a scenario needs about 10 levels)"
        ],
    )


def test_huge_numbers_are_reported_not_raised() -> None:
    data, problems = load("a: " + "9" * 5000 + "\n")
    assert data == {"a": "9" * 5000}
    assert problems == [f"f.yaml:1:4: '{'9' * 40}...' is not a valid !!int value"]


def test_dump_writes_texts_that_read_back_the_same() -> None:
    value = {"on": "no", "codes": ["010", "true", "1:30", "2024-01-01", 12, 1.5, True, None]}
    data, problems = load(dump(value))
    assert problems == []
    assert data == value

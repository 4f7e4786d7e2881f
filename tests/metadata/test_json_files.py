"""The one project-JSON reader: Json.NET's leniency (comments, trailing commas) with a warning, and a clear
error — never a traceback — for everything else."""

from __future__ import annotations

import codecs
import json
import logging
from pathlib import Path

import pytest

from funchost.errors import HostJsonError
from funchost.metadata.json_files import MAX_DEPTH, read_json_object


def write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "host.json"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def read(path: Path) -> dict[str, object]:
    return read_json_object(path, HostJsonError)


def test_comments_and_trailing_commas_are_read_with_a_warning_naming_the_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(
        tmp_path,
        '{\n  // the schema version\n  "version": "2.0",\n  /* several\n lines */ "functions": ["a", "b",],\n}\n',
    )
    with caplog.at_level(logging.WARNING, "funchost.config"):
        assert read(path) == {"version": "2.0", "functions": ["a", "b"]}
    [warning] = [r.getMessage() for r in caplog.records]
    assert str(path) in warning
    assert "2 comments (lines 2, 4)" in warning and "2 trailing commas (line 5)" in warning
    assert "Azure accepts this, strict JSON tools do not" in warning


def test_comment_and_comma_characters_inside_strings_are_left_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    doc = {
        "url": "https://example.com//path",
        "glob": "/* not a comment */",
        "list": "a,]",
        "obj": "b,}",
        "quote": 'say \\"hi\\", // still text',
        "slash": "\\\\",
    }
    path = write(tmp_path, json.dumps(doc))
    with caplog.at_level(logging.WARNING, "funchost.config"):
        assert read(path) == doc
    assert caplog.records == []


def test_a_trailing_comma_after_a_comment_is_still_removed(tmp_path: Path) -> None:
    assert read(write(tmp_path, '{"a": [1, 2, // two\n]}')) == {"a": [1, 2]}


@pytest.mark.parametrize("text", ['{"a": 1,,}', '{"a": [,]}', "{,}"])
def test_a_comma_that_follows_no_value_is_not_taken_for_a_trailing_one(tmp_path: Path, text: str) -> None:
    with pytest.raises(HostJsonError, match=r"is not valid JSON"):
        read(write(tmp_path, text))


def test_errors_after_a_comment_keep_their_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(json.JSONDecodeError) as strict:
        json.loads('{\n\n\n"a": 00:05}')  # the same document without the comment
    with pytest.raises(HostJsonError) as info:
        read(write(tmp_path, '{\n/* one\ntwo */\n"a": 00:05}'))
    assert (strict.value.lineno, strict.value.colno) == (4, 7)
    assert "is not valid JSON: line 4, column 7" in str(info.value)


def test_an_unclosed_comment_is_reported(tmp_path: Path) -> None:
    with pytest.raises(HostJsonError, match=r"comment opened at line 2 is never closed"):
        read(write(tmp_path, '{"a": 1\n/* open\n}'))


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_constants_are_refused(tmp_path: Path, constant: str) -> None:
    with pytest.raises(HostJsonError, match=rf"line 2 has {constant}, which is not a JSON number"):
        read(write(tmp_path, f'{{"version": "2.0",\n "x": {constant}}}'))


def test_a_number_too_large_for_a_float_is_refused(tmp_path: Path) -> None:
    with pytest.raises(HostJsonError, match=r"the number 1e400 is too large"):
        read(write(tmp_path, '{"x": 1e400}'))


def test_nesting_deeper_than_json_net_allows_is_refused_without_recursing(tmp_path: Path) -> None:
    deep = '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(HostJsonError, match=rf"more than {MAX_DEPTH} levels deep"):
        read(write(tmp_path, deep))
    fine = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert read(write(tmp_path, '{"a": ' + fine + "}")) == {"a": json.loads(fine)}


def test_a_folder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "host.json").mkdir()
    with pytest.raises(HostJsonError, match=r"host.json is a folder, not a file"):
        read(tmp_path / "host.json")


def test_bytes_that_are_not_utf8_are_reported_with_their_line(tmp_path: Path) -> None:
    with pytest.raises(HostJsonError, match=r"is not UTF-8 text: byte 0xff at line 2.*save the file as UTF-8"):
        read(write(tmp_path, b'{"version": "2.0",\n "x": "\xff"}'))


def test_byte_order_marks_are_honoured(tmp_path: Path) -> None:
    assert read(write(tmp_path, codecs.BOM_UTF8 + b'{"a": "\xc3\xa9"}')) == {"a": "é"}
    assert read(write(tmp_path, codecs.BOM_UTF16_LE + '{"a": 1}'.encode("utf-16-le"))) == {"a": 1}


@pytest.mark.parametrize(("text", "kind"), [("[1]", "an array"), ('"x"', "a string"), ("null", "null")])
def test_the_top_level_must_be_an_object(tmp_path: Path, text: str, kind: str) -> None:
    with pytest.raises(HostJsonError, match=rf"the top level must be a JSON object .*got {kind}"):
        read(write(tmp_path, text))


def test_an_unreadable_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "host.json"
    path.symlink_to(tmp_path / "missing-target.json")
    with pytest.raises(HostJsonError, match=r"cannot be read .*make the file readable"):
        read(path)

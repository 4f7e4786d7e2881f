"""`Set-Cookie` headers as Azure sends them (funchost/bindings/http_cookies.py): parsed as azure-functions parses
them, written as the host's ASP.NET serializer writes them; the cases are those of the Python worker's own
`test_http_functions` (multiple cookies, empty and default values, nullable-attribute errors)."""

from __future__ import annotations

import logging

import pytest

from funchost.bindings.http_cookies import azure_set_cookies

FULL = "foo3=42; Domain=example.com; Expires=Thu, 12-Jan-2017 13:55:08 GMT; Path=/; Max-Age=10000000; Secure; HttpOnly"


def test_attributes_are_written_in_the_hosts_order_and_format() -> None:
    second = FULL.replace("=42", "=43").replace("12-Jan-2017", "12-Jan-2018")  # a wrong weekday: the date wins
    assert azure_set_cookies([FULL, second]) == [
        "foo3=42; expires=Thu, 12 Jan 2017 13:55:08 GMT; max-age=10000000; domain=example.com; path=/; secure; "
        "httponly",
        "foo3=43; expires=Fri, 12 Jan 2018 13:55:08 GMT; max-age=10000000; domain=example.com; path=/; secure; "
        "httponly",
    ]


def test_a_bare_cookie_gets_empty_domain_and_path_and_an_empty_header_none() -> None:
    assert azure_set_cookies(["foo=bar"]) == ["foo=bar; domain=; path="]
    assert azure_set_cookies([""]) == []


@pytest.mark.parametrize("same_site", ["Lax", "strict", "None"])
def test_same_site_is_written_lowercase(same_site: str) -> None:
    assert azure_set_cookies([f"a=1; SameSite={same_site}"]) == [f"a=1; domain=; path=; samesite={same_site.lower()}"]


def test_an_attribute_simple_cookie_rejects_drops_the_cookie_silently() -> None:
    assert azure_set_cookies([FULL.replace("Secure", "SecureFalse")]) == []


def test_an_expires_that_is_no_date_fails_naming_it(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR), pytest.raises(ValueError, match="Can not parse value Dummy of expires"):
        azure_set_cookies(["a=1; Expires=Dummy"])
    assert "Can not parse value Dummy of expires in the cookie due to invalid format." in caplog.text


def test_a_max_age_that_is_no_number_fails_naming_it() -> None:
    with pytest.raises(ValueError, match="Cannot parse value soon of 'cookie.maxAge' to float"):
        azure_set_cookies(["a=1; Max-Age=soon"])

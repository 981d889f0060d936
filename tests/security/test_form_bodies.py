"""The HTML forms, attacked with random and hostile values: never a 500, never a partial write.

Each form is read from its page as a browser would see it (field names, options, prefilled values),
then posted with fields kept, spoiled, dropped, repeated or added. A refused form (400/422) leaves
the database as it was; a 302 is a save (or a conflict flashed on the way back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import login
from tests.security.hostile import WEIRD_NUMBERS, WEIRD_STRINGS, junk
from tests.security.test_api_bodies import ATTACK

ANSWERS = {200, 302, 400, 403, 404, 409, 413, 422}
REFUSED = {400, 403, 404, 409, 413, 422}
# (what, the page that shows the form, the form's action when it is not the page itself)
FORMS = [
    ("stream", "/value-streams/new", None),
    ("stream edit", "/value-streams/{stream_id}/edit", None),
    ("step", "/value-streams/{stream_id}/steps/new", None),
    ("step edit", "/value-streams/{stream_id}/steps/{step_id}/edit", None),
    ("customer", "/customers/new", None),
    ("job", "/customers/{customer_id}/jobs/new", None),
    ("outcome", "/customers/jobs/{job_id}/outcomes/new", None),
    ("rating", "/customers/outcomes/{outcome_id}", "/customers/outcomes/{outcome_id}/ratings"),
    ("rating answers", "/customers/outcomes/{outcome_id}", "/customers/outcomes/{outcome_id}/answers"),
    ("kpi", "/kpis/new", None),
    ("kpi link", "/kpis/{kpi_id}", "/kpis/{kpi_id}/links"),
    ("measurement", "/kpis/{kpi_id}", "/kpis/{kpi_id}/measurements"),
    ("user", "/admin/users", None),
    ("password", "/account/password", None),
]


@dataclass
class Form:
    action: str
    fields: dict[str, dict] = field(default_factory=dict)


class _FormReader(HTMLParser):
    """Collect each form's action and fields: kind, options and prefilled value."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append(Form(a.get("action") or self.page_url))
        elif tag == "option" and self._select:
            spec = self.forms[-1].fields[self._select]
            spec["options"].append(a.get("value", ""))
            if "selected" in a or len(spec["options"]) == 1:  # a browser sends the first by default
                spec["value"] = a.get("value", "")
        elif not self.forms or "name" not in a:
            return
        elif tag in ("input", "textarea", "select"):
            kind = a.get("type", tag) if tag == "input" else tag
            spec = self.forms[-1].fields.setdefault(a["name"], {
                "name": a["name"], "kind": kind, "options": [], "value": "", "required": "required" in a})
            if kind == "checkbox":
                spec["options"].append(a.get("value", "y"))
            elif kind not in ("file", "submit"):
                spec["value"] = a.get("value") or ""
            self._select = a["name"] if tag == "select" else None


def read_form(client, page: str, action: str) -> Form:
    reader = _FormReader(page)
    reader.feed(client.get(page).get_data(as_text=True))
    form = next((f for f in reader.forms if f.action == action), None)
    assert form is not None, f"no form posting to {action} on {page}"
    form.fields.pop("csrf_token", None)
    return form


hostile_text = st.one_of(st.text(max_size=30), st.sampled_from(WEIRD_STRINGS),
                         st.sampled_from(WEIRD_NUMBERS).map(repr), junk.map(str))


def plausible(spec: dict) -> st.SearchStrategy[str]:
    """A value a person could enter in the field."""
    kind = spec["kind"]
    if spec["options"]:
        return st.sampled_from(spec["options"])
    if kind == "number":
        return st.one_of(st.just(""), st.integers(1, 10).map(str))
    if kind == "date":
        return st.dates(max_value=date(2026, 1, 1)).map(lambda day: day.isoformat())
    if kind == "email":
        return st.emails()
    if kind == "password":
        return st.text(min_size=10, max_size=40)
    if spec["name"].endswith("answers"):  # pasted survey answers, one "importance,satisfaction" a line
        return st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=1, max_size=5).map(
            lambda pairs: "\r\n".join(f"{i},{s}" for i, s in pairs))
    text = st.text(min_size=1, max_size=40)
    return text if spec["required"] else st.one_of(st.just(""), text)


def hostile(spec: dict) -> st.SearchStrategy[str]:
    """A value a browser would never send for the field."""
    if spec["kind"] == "number":
        odd = st.one_of(st.floats().map(repr), st.integers().map(str),
                        st.sampled_from(["", "1e309", "-0", "1,5", "\u0663", "NaN", "-inf", "0x1A"]))
        return st.one_of(odd, hostile_text)
    return hostile_text


@st.composite
def submissions(draw, form: Form) -> dict[str, list[str]]:
    """The form filled in as a person would, then up to three fields spoiled, dropped or repeated."""
    data: dict[str, list[str]] = {}
    for name, spec in form.fields.items():
        if spec["kind"] == "checkbox":
            data[name] = draw(st.lists(st.sampled_from(spec["options"]), max_size=3, unique=True))
        elif spec["kind"] == "hidden" or (spec["value"] and draw(st.booleans())):
            data[name] = [spec["value"]]
        else:
            data[name] = [draw(plausible(spec))]
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from([*sorted(form.fields), ""]))
        how = draw(st.sampled_from(["spoil", "spoil", "drop", "repeat"]))
        if not name:
            data[draw(st.text(min_size=1, max_size=10))] = [draw(hostile_text)]
        elif how == "drop":
            data.pop(name, None)
        elif how == "repeat":
            data[name] = draw(st.lists(st.one_of(plausible(form.fields[name]), hostile(form.fields[name])),
                                       min_size=2, max_size=4))
        else:
            data[name] = [draw(hostile(form.fields[name]))]
    return data


def post(client, url: str, data: dict[str, list[str]]):
    """Post the fields form-encoded; lone surrogates go out as the invalid UTF-8 they make."""
    body = urlencode([(k, v) for k, values in data.items() for v in values], errors="surrogatepass")
    return client.post(url, data=body, content_type="application/x-www-form-urlencoded")


def check_answer(response, data, before: dict, after: dict) -> None:
    status = response.status_code
    body = response.get_data(as_text=True)
    assert status < 500, f"{status} for {data!r:.400}: {body[:300]}"
    assert "database is locked" not in body and "Traceback" not in body
    assert status in ANSWERS, f"{status} for {data!r:.400}"
    if status in REFUSED:
        assert after == before, f"{status} for {data!r:.400} changed the database"


@pytest.mark.parametrize("what, page, action", FORMS, ids=[what for what, _, _ in FORMS])
def test_hostile_form_posts_never_break_a_page(client, filled, snapshot, what, page, action):
    login(client, filled.admin)
    page = page.format(**filled.ids)
    form = read_form(client, page, (action or page).format(**filled.ids))

    @settings(ATTACK, max_examples=25)
    @given(data=submissions(form))
    def attack(data) -> None:
        before = snapshot(filled.org.id)
        response = post(client, form.action, data)
        check_answer(response, data, before, snapshot(filled.org.id))

    attack()


def test_hostile_sign_in_attempts_never_break_the_login_page(app, filled, snapshot):
    form = read_form(app.test_client(), "/login", "/login")
    emails = st.one_of(st.none(), st.just(filled.admin.email), st.sampled_from(WEIRD_STRINGS), st.emails(),
                       st.text())

    @settings(ATTACK, max_examples=40)
    @given(data=submissions(form), email=emails)
    def attack(data, email) -> None:
        if email is not None:
            data["email"] = [email]
        before = snapshot(filled.org.id)
        response = post(app.test_client(), "/login", data)
        assert response.status_code in (400, 413, 422), response.get_data(as_text=True)[:300]
        check_answer(response, data, before, snapshot(filled.org.id))

    attack()


@pytest.mark.parametrize("url, data", [
    ("/login", {"email": "a\x00b@example.test", "password": "a long password"}),
    ("/admin/users", {"email": "new@example.test", "name": "N\x00", "role": "viewer",
                      "password": "a long passphrase"}),
    ("/account/tokens", {"name": "nightly\x00"}),
    ("/customers/new", {"name": "Acme\x00", "kind": "external"}),
    ("/value-streams/{stream_id}/steps/{step_id}/edit", {"name": "Drill\x00"}),
])
def test_a_nul_character_in_a_form_is_refused_before_it_reaches_the_database(client, filled, snapshot, url,
                                                                              data):
    """PostgreSQL cannot store NUL; without the check at the door these were 500s there."""
    login(client, filled.admin)
    before = snapshot(filled.org.id)
    response = client.post(url.format(**filled.ids), data=data)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    assert snapshot(filled.org.id) == before


def test_the_new_kpi_form_posted_as_a_browser_sends_it_is_saved(client, filled):
    """A browser posts the empty hidden ``version`` of a new record; that is no error."""
    login(client, filled.admin)
    form = read_form(client, "/kpis/new", "/kpis/new")
    data = {name: [spec["value"]] for name, spec in form.fields.items()}
    data["name"] = ["Calls closed per hour"]
    assert data["version"] == [""]
    assert post(client, "/kpis/new", data).status_code == 302

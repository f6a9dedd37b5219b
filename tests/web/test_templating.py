"""Template filters live in app/templating.py and one set of form macros in templates/_forms.html."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


class _Form(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name", validators=[DataRequired()], description="As on your card")
    kind = SelectField("Kind", choices=[SelectChoice("a", "A"), SelectChoice("b", "B")])
    answer = RadioField("Answer", choices=[SelectChoice("y", "Yes"), SelectChoice("n", "No")])
    remember = BooleanField("Remember me")


def test_filters_are_registered_by_the_app_not_by_a_blueprint(app):
    from flask import Flask

    from app.templating import register_template_filters

    bare = Flask(__name__)  # no blueprint at all
    register_template_filters(bare)
    for name in ("agenda", "local_date", "local_time", "iso_local", "in_zone"):
        assert name in bare.jinja_env.filters
        assert app.jinja_env.filters[name] is bare.jinja_env.filters[name]
    assert "skip_reason" in app.jinja_env.globals
    at = datetime(2026, 6, 1, 6, 30, tzinfo=UTC)
    with app.test_request_context():
        rendered = render_template_string("{{ at|iso_local('Europe/Copenhagen') }}", at=at)
    assert rendered == "2026-06-01T08:30+02:00"


def test_field_macro_ties_label_error_and_help_to_the_input(app):
    with app.test_request_context(method="POST", data={"name": "", "kind": "a"}):
        form = _Form()
        form.validate()
        html = render_template_string(
            '{% from "_forms.html" import field %}'
            "{{ field(form.name, autocomplete='name') }}{{ field(form.kind) }}"
            "{{ field(form.answer, inline=true) }}{{ field(form.remember) }}", form=form)
    name_input = re.search(r"<input[^>]*id=\"name\"[^>]*>", html).group(0)
    assert 'aria-describedby="name-help name-error"' in name_input
    assert 'aria-invalid="true"' in name_input and "is-invalid" in name_input
    assert 'autocomplete="name"' in name_input
    assert '<label class="form-label required" for="name">Name</label>' in html
    assert 'id="name-error" class="invalid-feedback"' in html and 'id="name-help"' in html
    assert re.search(r'<select class="form-select"[^>]*id="kind"', html)
    assert "<legend" in html and "form-check-inline" in html
    assert re.search(r'<input class="form-check-input"[^>]*id="remember"', html)


def test_every_form_template_uses_the_shared_macros():
    old = re.compile(r"auth/_fields\.html|render_field|bootstrap5/form\.html|import[^%]*\bfield\b[^%]*%}")
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in old.finditer(text):
            line = text[: match.start()].count("\n")
            statement = text.splitlines()[line]
            assert '"_forms.html"' in statement, f"{path.relative_to(TEMPLATES)}: {statement.strip()}"
    assert not (TEMPLATES / "auth" / "_fields.html").exists()

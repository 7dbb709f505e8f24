"""Texts people write in several languages (an event's name, a market rule's
notes): stored as {"ru": "…", "fa": "…"} beside the original, shown in the
reader's language, else the original. Forms get one field per language."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def validate_translations(value: object) -> None:
    if not isinstance(value, dict) or not all(
        code in LANGUAGE_CODES and isinstance(text, str) for code, text in value.items()
    ):
        raise ValidationError(_("Give texts for the site's languages only."), code="translations")


def in_reader_language(translations: dict[str, str]) -> str:
    """The text in the active language, or "" when there is none."""
    return translations.get(get_language() or "", "").strip()


def field_name(prefix: str, code: str) -> str:
    return f"{prefix}_{code.replace('-', '_')}"


def field_names(*prefixes: str) -> tuple[str, ...]:
    """Every per-language field name of the given prefixes."""
    return tuple(field_name(prefix, code) for prefix in prefixes for code in sorted(LANGUAGE_CODES))


def original_fields(form: forms.BaseForm, prefixes: tuple[str, ...]) -> list[forms.BoundField]:
    """The form's visible fields but the per-language ones, for templates."""
    per_language = set(field_names(*prefixes))
    return [field for field in form.visible_fields() if field.name not in per_language]


def add_translation_fields(
    form: forms.BaseForm,
    prefix: str,
    field: forms.Field,
    label: StrOrPromise,
    initial: dict[str, str],
) -> None:
    """One optional copy of `field` per language, labelled `label` % {"language": …}."""
    for code, language in settings.LANGUAGES:
        copy = forms.CharField(
            label=str(label) % {"language": language},
            required=False,
            max_length=getattr(field, "max_length", None),
            widget=field.widget.__class__(attrs=dict(field.widget.attrs)),
            initial=initial.get(code, ""),
        )
        form.fields[field_name(prefix, code)] = copy


def translations_from(cleaned_data: dict[str, Any], prefix: str) -> dict[str, str]:
    """The filled-in languages, taking their fields out of `cleaned_data`."""
    texts = {
        code: str(cleaned_data.pop(field_name(prefix, code), "") or "").strip() for code in LANGUAGE_CODES
    }
    return {code: text for code, text in sorted(texts.items()) if text}


def language_fields(
    form: forms.BaseForm, prefixes: tuple[str, ...]
) -> list[tuple[str, list[forms.BoundField]]]:
    """(language, its fields) for each of the site's languages, for templates."""
    return [
        (str(language), [form[field_name(prefix, code)] for prefix in prefixes])
        for code, language in settings.LANGUAGES
    ]

"""Django's template backend, whose system check knows the tag libraries replaced on purpose."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.checks import Warning as CheckWarning
from django.template.backends.django import DjangoTemplates, get_template_tag_modules

# Django's libraries that settings.TEMPLATES' `libraries` replaces on purpose: label, Django's
# module, its replacement (which renders the same: see the module and its tests).
REPLACEMENTS = {"i18n": ("django.templatetags.i18n", "marketplace.core.templatetags.kept_i18n")}


class Templates(DjangoTemplates):
    """DjangoTemplates; templates.W003 (one label, several modules) is not raised for a label
    this engine gives to its replacement (REPLACEMENTS), and is raised for any other."""

    def _check_for_template_tags_with_the_same_name(self) -> list[Any]:
        libraries: defaultdict[str, set[str]] = defaultdict(set)
        for name, path in get_template_tag_modules():
            if (path, self.engine.libraries.get(name)) != REPLACEMENTS.get(name):
                libraries[name].add(path)  # else Django's, replaced on purpose
        for name, path in self.engine.libraries.items():
            libraries[name].add(path)
        return [
            CheckWarning(
                f"{name!r} is used for multiple template tag modules: "
                + ", ".join(repr(path) for path in sorted(paths)),
                obj=self,
                id="templates.W003",
            )
            for name, paths in libraries.items()
            if len(paths) > 1
        ]

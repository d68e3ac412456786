"""`{% table_box labelledby="lines-h" %}<table …>…</table>{% endtable_box %}`: a data table's
scroll box, the one way every page of the three audiences writes it.

A table wider than a phone scrolls sideways in its box. The box is a named region (the table's
caption or heading, by its id: `labelledby`; or a text already translated: `label`) that takes the
keyboard's focus, so that a keyboard user can reach it with Tab and scroll it with the arrow keys
(axe's scrollable-region-focusable); its focus is drawn (site.css, `.table-wrap`).
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_block_tag
def table_box(content: str, *, labelledby: str = "", label: str = "") -> SafeString:
    if bool(labelledby) == bool(label):
        raise template.TemplateSyntaxError(
            "table_box names its box by one of labelledby (an id) or label (a text)"
        )
    if labelledby:
        return format_html(
            '<div class="table-wrap" role="region" tabindex="0" aria-labelledby="{}">{}</div>',
            labelledby,
            content,
        )
    return format_html(
        '<div class="table-wrap" role="region" tabindex="0" aria-label="{}">{}</div>',
        label,
        content,
    )

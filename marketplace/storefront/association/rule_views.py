"""Commission rules: every version, create, change (a new version), end, and a preview of what a
shop would pay, all through the governance services (`rules`, `commission`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from marketplace.core.money import ZERO
from marketplace.governance.commission import CommissionQuote, commission_quote
from marketplace.governance.models import CommissionRule
from marketplace.governance.open_data import rule_status
from marketplace.governance.rules import (
    commission_rule_create,
    commission_rule_end,
    commission_rule_update,
    commission_rules_of_town,
)
from marketplace.storefront.association.access import require_admin, town_page
from marketplace.storefront.association.forms import (
    PreviewForm,
    RuleCreateForm,
    RuleEndForm,
    RuleUpdateForm,
    add_service_errors,
)
from marketplace.storefront.association.views import office_context
from marketplace.towns.models import Town

STATUS_LABELS = {
    "active": gettext_lazy("In force"),
    "scheduled": gettext_lazy("Scheduled"),
    "ended": gettext_lazy("Ended"),
    "superseded": gettext_lazy("Replaced by a newer version"),
}


@dataclass(frozen=True)
class Version:
    rule: CommissionRule
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def rule_versions(town: Town) -> list[Version]:
    """Every version of the town's rules, newest first, with its status now."""
    rules = (
        commission_rules_of_town(town_id=town.pk)
        .select_related("vendor", "category", "created_by")
        .annotate(superseded=Exists(CommissionRule.objects.filter(previous_id=OuterRef("pk"))))
    )
    return [
        Version(rule=rule, status=rule_status(rule, superseded=rule.superseded)) for rule in rules
    ]


def _rules_page(
    request: HttpRequest,
    town: Town,
    *,
    create_form: RuleCreateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    versions = rule_versions(town)
    preview_form = PreviewForm(request.GET or None, town=town, prefix="preview")
    quote: CommissionQuote | None = None
    if preview_form.is_bound and preview_form.is_valid():
        data = preview_form.cleaned_data
        quote = commission_quote(
            vendor=data["vendor"], goods=data["goods"], at=data["at"] or timezone.now()
        )
    context = office_context(request, town, "rules") | {
        "current": [v for v in versions if v.status in ("active", "scheduled")],
        "versions": versions,
        "create_form": create_form or RuleCreateForm(town=town, prefix="rule"),
        "preview_form": preview_form,
        "quote": quote,
        "default_percentage": quote.percentage if quote and quote.rule is None else None,
    }
    return render(request, "association/rules.html", context, status=status)


@town_page
def rules(request: HttpRequest, town: Town) -> HttpResponse:
    return _rules_page(request, town)


@require_POST
@town_page
def rule_create(request: HttpRequest, town: Town) -> HttpResponse:
    require_admin(request, town)
    form = RuleCreateForm(request.POST, town=town, prefix="rule")
    if not form.is_valid():
        return _rules_page(request, town, create_form=form, status=400)
    data = form.cleaned_data
    try:
        rule = commission_rule_create(
            town_id=town.pk,
            vendor_id=data["vendor"].pk if data["vendor"] else None,
            category_id=data["category"].pk if data["category"] else None,
            percentage=data["percentage"],
            fixed_amount=data["fixed_amount"] if data["fixed_amount"] is not None else ZERO,
            min_amount=data["min_amount"],
            max_amount=data["max_amount"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            actor=request.user,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _rules_page(request, town, create_form=form, status=400)
    messages.success(request, _("Rule no. %(id)s is recorded.") % {"id": rule.pk})
    return redirect("association:rules", town=town.slug)


def _town_rule(town: Town, rule_id: int) -> CommissionRule:
    return get_object_or_404(
        CommissionRule.objects.select_related("vendor", "category", "created_by"),
        town=town,
        pk=rule_id,
    )


def _chain(rule: CommissionRule) -> list[Version]:
    """The versions of this rule, newest first: its successors, itself, its predecessors."""
    by_pk = {version.rule.pk: version for version in rule_versions(rule.town)}  # type: ignore[arg-type]
    newest = by_pk[rule.pk]
    successors = {v.rule.previous_id: v for v in by_pk.values() if v.rule.previous_id}
    while newest.rule.pk in successors:
        newest = successors[newest.rule.pk]
    chain = [newest]
    while chain[-1].rule.previous_id:
        chain.append(by_pk[chain[-1].rule.previous_id])
    return chain


def _rule_page(
    request: HttpRequest,
    town: Town,
    rule: CommissionRule,
    *,
    update_form: RuleUpdateForm | None = None,
    end_form: RuleEndForm | None = None,
    status: int = 200,
) -> HttpResponse:
    chain = _chain(rule)
    this = next(version for version in chain if version.rule.pk == rule.pk)
    initial = {
        "percentage": rule.percentage.normalize(),
        "fixed_amount": rule.fixed_amount,
        "min_amount": rule.min_amount,
        "max_amount": rule.max_amount,
        "valid_until": rule.valid_until,
    }
    context = office_context(request, town, "rules") | {
        "rule": rule,
        "version": this,
        "chain": chain,
        "editable": this.status in ("active", "scheduled"),
        "update_form": update_form or RuleUpdateForm(initial=initial, prefix="update"),
        "end_form": end_form or RuleEndForm(prefix="end"),
    }
    return render(request, "association/rule_detail.html", context, status=status)


@town_page
def rule_detail(request: HttpRequest, town: Town, rule_id: int) -> HttpResponse:
    return _rule_page(request, town, _town_rule(town, rule_id))


@require_POST
@town_page
def rule_update(request: HttpRequest, town: Town, rule_id: int) -> HttpResponse:
    require_admin(request, town)
    rule = _town_rule(town, rule_id)
    form = RuleUpdateForm(request.POST, prefix="update")
    if not form.is_valid():
        return _rule_page(request, town, rule, update_form=form, status=400)
    data = form.cleaned_data
    try:
        new = commission_rule_update(
            rule_id=rule.pk,
            percentage=data["percentage"],
            fixed_amount=data["fixed_amount"] if data["fixed_amount"] is not None else ZERO,
            min_amount=data["min_amount"],
            max_amount=data["max_amount"],
            valid_until=data["valid_until"],
            actor=request.user,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _rule_page(request, town, rule, update_form=form, status=400)
    messages.success(
        request,
        _("Version no. %(new)s replaces no. %(old)s from now on.")
        % {"new": new.pk, "old": rule.pk},
    )
    return redirect("association:rule", town=town.slug, rule_id=new.pk)


@require_POST
@town_page
def rule_end(request: HttpRequest, town: Town, rule_id: int) -> HttpResponse:
    require_admin(request, town)
    rule = _town_rule(town, rule_id)
    form = RuleEndForm(request.POST, prefix="end")
    if not form.is_valid():
        return _rule_page(request, town, rule, end_form=form, status=400)
    try:
        commission_rule_end(rule_id=rule.pk, at=form.cleaned_data["at"], actor=request.user)
    except ValidationError as error:
        add_service_errors(form, error)
        return _rule_page(request, town, rule, end_form=form, status=400)
    messages.success(request, _("Rule no. %(id)s is ended.") % {"id": rule.pk})
    return redirect("association:rule", town=town.slug, rule_id=rule.pk)

"""SMS rules: one page with the inbound and the outbound rules, their forms, delete and move up/down."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from messaging.exceptions import MessagingError
from messaging.forms import rules as forms
from messaging.models import Extension, InboundRule, OutboundRule, SmsConfiguration, Trunk
from messaging.services.configuration import rules as service
from portal.forms import show_service_error


@dataclass(frozen=True)
class RuleKind:
    model: type
    form: type
    initial: Callable
    create: Callable
    update: Callable
    name: str  # "inbound", also the anchor of its section and the prefix of its URL names

    @property
    def label(self) -> str:
        return f"{self.name.capitalize()} rule"

    def back(self) -> str:
        return reverse("messaging:rules") + f"#{self.name}-rules"


INBOUND = RuleKind(InboundRule, forms.InboundRuleForm, forms.inbound_rule_initial, service.create_inbound_rule,
                   service.update_inbound_rule, "inbound")
OUTBOUND = RuleKind(OutboundRule, forms.OutboundRuleForm, forms.outbound_rule_initial, service.create_outbound_rule,
                    service.update_outbound_rule, "outbound")


def rule_list(request):
    return render(request, "messaging/rules/list.html", {
        "inbound_rules": InboundRule.objects.select_related("trunk").prefetch_related("extensions"),
        "outbound_rules": OutboundRule.objects.select_related("sms_configuration").prefetch_related("extensions"),
        "has_extensions": Extension.objects.exists(),
        "has_trunks": Trunk.objects.exists(),
        "has_configurations": SmsConfiguration.objects.exists(),
    })


def inbound_rule_create(request):
    return _rule_form(request, INBOUND, pk=None)


def inbound_rule_edit(request, pk):
    return _rule_form(request, INBOUND, pk=pk)


def inbound_rule_delete(request, pk):
    return _rule_delete(request, INBOUND, pk)


@require_POST
def inbound_rule_move(request, pk):
    return _rule_move(request, INBOUND, pk)


def outbound_rule_create(request):
    return _rule_form(request, OUTBOUND, pk=None)


def outbound_rule_edit(request, pk):
    return _rule_form(request, OUTBOUND, pk=pk)


def outbound_rule_delete(request, pk):
    return _rule_delete(request, OUTBOUND, pk)


@require_POST
def outbound_rule_move(request, pk):
    return _rule_move(request, OUTBOUND, pk)


def _rule_form(request, kind: RuleKind, *, pk: int | None):
    rule = get_object_or_404(kind.model, pk=pk) if pk is not None else None
    form = kind.form(request.POST or None, initial=kind.initial(rule) if rule else None)
    if request.method == "POST" and form.is_valid():
        try:
            if rule is None:
                rule = kind.create(user=request.user, **form.cleaned_data)
            else:
                kind.update(user=request.user, rule=rule, **form.cleaned_data)
        except MessagingError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, f"{kind.label} “{rule.name}” saved.")
            return redirect(kind.back())
    return render(request, f"messaging/rules/{kind.name}_form.html", {"form": form, "rule": rule, "kind": kind})


def _rule_delete(request, kind: RuleKind, pk: int):
    """GET asks for confirmation; POST deletes."""
    rule = get_object_or_404(kind.model, pk=pk)
    if request.method == "POST":
        service.delete_rule(user=request.user, rule=rule)
        messages.success(request, f"{kind.label} “{rule.name}” deleted.")
        return redirect(kind.back())
    return render(request, "messaging/rules/confirm_delete.html", {"rule": rule, "kind": kind})


def _rule_move(request, kind: RuleKind, pk: int):
    rule = get_object_or_404(kind.model, pk=pk)
    try:
        service.move_rule(user=request.user, rule=rule, direction=request.POST.get("direction", ""))
    except MessagingError as exc:
        messages.error(request, exc.message)
    return redirect(kind.back())

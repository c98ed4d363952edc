"""The handbook (企业危废环保手册) in the console (``/handbook``) and on the handheld
(``/m/handbook``): the catalogue browser with the exemptions of each code, the exemption list
with its conditions, and the rules hwtrace enforces with their sources (each rule an anchor,
``/handbook/rules#<id>``, which every warning links to). Works without JavaScript."""

from __future__ import annotations

from typing import Any

from flask import g, render_template, request, url_for

from hwtrace.domain.rules import by_topic, rule_for
from hwtrace.domain.warnings import Kind
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import handbook


def _args() -> tuple[str, str, str]:
    v = request.args
    return (v.get("q") or "")[:50], (v.get("category") or "")[:20], (v.get("industry") or "")[:40]


def _browser(layout: str, template: str) -> Any:
    q, category, industry = _args()
    found = handbook.browse(ctx(), actor=actor(), q=q, category=category, industry=industry)
    return render_template(template, layout=layout, b=found)


@bp.get("/handbook")
def handbook_page() -> Any:
    return _browser("base.html", "handbook.html")


@bp.get("/m/handbook")
def m_handbook() -> Any:
    return _browser("m/base.html", "m/handbook.html")


def _exemptions(layout: str) -> Any:
    q = (request.args.get("q") or "")[:50]
    edition, rows = handbook.exemption_list(ctx(), actor=actor(), q=q)
    return render_template(
        "handbook_exemptions.html", layout=layout, q=q, edition=edition, rows=rows
    )


@bp.get("/handbook/exemptions")
def handbook_exemptions() -> Any:
    return _exemptions("base.html")


@bp.get("/m/handbook/exemptions")
def m_handbook_exemptions() -> Any:
    return _exemptions("m/base.html")


def _rules(layout: str) -> Any:
    actor()
    return render_template("handbook_rules.html", layout=layout, topics=by_topic())


@bp.get("/handbook/rules")
def handbook_rules() -> Any:
    return _rules("base.html")


@bp.get("/m/handbook/rules")
def m_handbook_rules() -> Any:
    return _rules("m/base.html")


@bp.app_template_filter("rule_url")
def _rule_url(kind: Kind | str) -> str:
    """Where the rule a warning of ``kind`` enforces is explained."""
    rule = rule_for(kind)
    return url_for("pages.handbook_rules", _anchor=rule.id if rule else None)


@bp.app_template_filter("rule_title")
def _rule_title(kind: Kind | str) -> str:
    rule = rule_for(kind)
    if rule is None:
        return ""
    return rule.title_en if g.get("lang", "zh") == "en" else rule.title_zh

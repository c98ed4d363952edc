"""The park map's colour follows the legend: an enterprise's fullest room (not the average of its
rooms) and its open warnings; a warning acknowledged with a note no longer colours it."""

from __future__ import annotations

from hwtrace.services import console
from hwtrace.services import warnings as warnings_svc
from hwtrace.services.auth import actor_for_token
from hwtrace.services.context import Context
from tests.factories import World


def _plot(ctx: Context, world: World, who: str) -> console.Plot:
    park = actor_for_token(ctx, world.tokens["park"])
    ent = actor_for_token(ctx, world.tokens[who]).enterprise_id
    return next(p for p in console.park_map(ctx, actor=park).plots if p.id == ent)


def test_the_fullest_room_colours_the_plot(ctx: Context, world: World) -> None:
    admin, op = world.as_("p1admin"), world.as_("p1op")
    # A second, large and empty room: on average the rooms are 8.5 % full.
    r = admin.post(
        "/api/v1/storage-rooms",
        {"name": "大库", "capacity_kg": "10000", "allowed_categories": ["HW49"]},
    )
    assert r.status_code == 201, r.get_json()
    assert _plot(ctx, world, "p1op").risk == "green"
    for _ in range(4):  # 4 x 235 kg in the 1,000 kg room: 94 %
        world.walk(op.register(world.profiles["p1"], "235")["code"], "STORED")
    plot = _plot(ctx, world, "p1op")
    assert plot.fullest_room_pct == 94 and plot.fill_pct < 10
    assert plot.risk == "amber", plot.reasons
    assert any("最满库房占用 94%" in x for x in plot.reasons)


def test_open_warnings_colour_the_plot_until_acknowledged(ctx: Context, world: World) -> None:
    op = world.as_("p2op")
    for i in range(12):
        c = op.register(world.profiles["p2"], f"{39 + i % 3}")["code"]
        world.as_("p2op").act(c, "label")
        assert op.act(c, "store", room_id=world.rooms["p2"]).status_code == 200
    assert _plot(ctx, world, "p2op").risk == "green"
    typo = op.register(world.profiles["p2"], "400")["code"]  # a digit too many: amber
    plot = _plot(ctx, world, "p2op")
    assert (plot.open_red, plot.open_amber) == (0, 1) and plot.risk == "amber", plot.reasons
    admin = actor_for_token(ctx, world.tokens["p2admin"])
    items, _ = warnings_svc.compute(ctx, actor=admin)
    key = next(w.key for w in items if w.subject == typo)
    warnings_svc.acknowledge(ctx, actor=admin, key=key, note="复秤确认为 400 千克的吨袋")
    assert _plot(ctx, world, "p2op").risk == "green"

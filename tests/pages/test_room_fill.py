"""The enterprise file's room fill: weight and count of the batches stored in each room, counted
by room (index-only), never another producer's and never a batch that has left the room."""

from __future__ import annotations

from hwtrace.services import console
from hwtrace.services.auth import actor_for_token
from hwtrace.services.context import Context
from tests.factories import World


def test_room_fill_counts_what_is_in_each_room(ctx: Context, world: World) -> None:
    op, other = world.as_("p1op"), world.as_("p2op")
    for weight in ("2.5", "4"):
        world.walk(op.register(world.profiles["p1"], weight)["code"], "STORED")
    # A batch that was in the room and left it (scanned out to a transporter).
    world.walk(op.register(world.profiles["p1"], "7")["code"], "AWAITING_PICKUP")
    # Another producer's batch in its own room.
    c2 = other.register(world.profiles["p2"], "9")["code"]
    assert other.act(c2, "label").status_code == 200
    assert other.act(c2, "store", room_id=world.rooms["p2"]).status_code == 200
    park = actor_for_token(ctx, world.tokens["park"])
    enterprise_id = actor_for_token(ctx, world.tokens["p1op"]).enterprise_id
    f = console.enterprise_file(ctx, actor=park, enterprise_id=enterprise_id, f=console.Filters())
    assert [(r.id, r.stored_g, r.batches) for r in f.rooms] == [(world.rooms["p1"], 6500, 2)]

"""Fewer and fairer idle periods by local search: swap groups of meetings
between two slots (Kempe chains, so nobody is ever double-booked), keeping
the meetings scheduled as they are. Used where CP-SAT does not prove the
lower bound, and on fairs too big to model."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable

from events.engine.scheduling.bounds import bits, idle_periods
from events.engine.scheduling.state import Schedule

# Simulated annealing in units of one idle period: a move costing one more is
# taken with probability exp(-1 / temperature). Tuned on bench/scheduling.py.
START_TEMPERATURE = 0.4
END_TEMPERATURE = 0.03
AIMED = 0.75  # share of moves aimed at a participant above its bound
WHOLE_SLOTS = 0.03  # share of moves exchanging two slots' meetings outright


def improve_idle(
    sched: Schedule,
    lower_bounds: list[int],
    deadline: float,
    rng: random.Random,
    on_best: Callable[[], None],
    tick: Callable[[], None],
) -> None:
    """Simulated annealing over Kempe swaps, ranked by (total idle periods, sum
    of their squares); leaves the best schedule found in `sched`."""
    inst = sched.inst
    full = inst.full
    n_slots = inst.n_slots
    idle = [idle_periods(mask) for mask in sched.busy]
    total = sum(idle)
    square = sum(i * i for i in idle)
    floor = sum(lower_bounds)
    best = (total, square)
    best_slots = sched.assignment()
    movable = [m for m in sched.scheduled() if inst.fixed[m] < 0 and inst.allowed[m].bit_count() > 1]
    if not movable or total <= floor or n_slots < 2:
        return
    choices = {m: bits(inst.allowed[m]) for m in movable}
    mine = [[m for m in inst.meetings_of[p] if m in choices] for p in range(len(idle))]
    fairness = 4 * len(idle) + 4
    started = time.perf_counter()
    span = max(deadline - started, 1e-3)
    temperature = START_TEMPERATURE
    needy = [p for p, count in enumerate(idle) if count > lower_bounds[p] and mine[p]]
    steps = 0
    while True:
        steps += 1
        if steps % 512 == 0:
            now = time.perf_counter()
            if now >= deadline:
                break
            tick()
            temperature = max(START_TEMPERATURE * (1 - (now - started) / span), END_TEMPERATURE)
            needy = [p for p, count in enumerate(idle) if count > lower_bounds[p] and mine[p]]
        move = rng.random()
        if move < AIMED and needy:
            # Move one of p's meetings next to another of its runs (or into a gap).
            p = needy[rng.randrange(len(needy))]
            meetings = mine[p]
            m = meetings[rng.randrange(len(meetings))]
            a = sched.slot_of[m]
            if a < 0:
                continue
            mask = sched.busy[p]
            near = (mask << 1 | mask >> 1) & full & ~mask & inst.allowed[m]
            if not near:
                continue
            options = bits(near)
            b = options[rng.randrange(len(options))]
            group = sched.component(m, a, b)
        elif move < 1 - WHOLE_SLOTS:
            m = movable[rng.randrange(len(movable))]
            a = sched.slot_of[m]
            if a < 0:
                continue
            options = choices[m]
            b = options[rng.randrange(len(options))]
            if b == a:
                continue
            group = sched.component(m, a, b)
        else:
            a, b = rng.sample(range(n_slots), 2)
            group = list(sched.members[a] | sched.members[b])
            if not group:
                continue
        if not sched.can_swap(group, a, b):
            continue
        masks = sched.masks_after_swap(group, a, b)
        d_total = d_square = 0
        for q, mask in masks.items():
            new = idle_periods(mask)
            old = idle[q]
            d_total += new - old
            d_square += new * new - old * old
        if d_total > 0 or (d_total == 0 and d_square > 0):
            worse = d_total + d_square / fairness
            if rng.random() >= math.exp(-worse / temperature):
                continue
        sched.swap(group, a, b)
        for q, mask in masks.items():
            idle[q] = idle_periods(mask)
        total += d_total
        square += d_square
        if (total, square) < best:
            best = (total, square)
            best_slots = sched.assignment()
            on_best()
            if total <= floor:
                break
    if (total, square) != best:
        sched.restore(best_slots)

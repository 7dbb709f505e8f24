"""A schedule being built: which slot each meeting holds, which meeting each
resource holds in each slot, and the moves every phase shares (place, remove,
Kempe swaps between two slots)."""

from __future__ import annotations

from events.engine.scheduling.bounds import idle_periods
from events.engine.scheduling.instance import Instance


class Schedule:
    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.slot_of = [-1] * len(inst.meeting_ids)
        self.at = [[-1] * inst.n_slots for _ in range(inst.n_resources)]
        self.count = [0] * inst.n_slots
        self.members: list[set[int]] = [set() for _ in range(inst.n_slots)]
        self.busy = [0] * len(inst.people)  # bitmask of a participant's slots
        self.load = [0] * len(inst.people)
        # While `journal` is on, moves are logged so that a failed attempt can
        # be taken back with `undo`.
        self.journal = False
        self.log: list[tuple[int, int]] = []

    # ---------------------------------------------------------------- basics

    def fits(self, m: int, s: int) -> bool:
        inst = self.inst
        if not inst.allowed[m] >> s & 1 or self.count[s] >= inst.n_tables:
            return False
        for r in inst.resources[m]:
            if self.at[r][s] >= 0:
                return False
        u, v = inst.ends[m]
        return self.load[u] < inst.cap[u] and self.load[v] < inst.cap[v]

    def place(self, m: int, s: int) -> None:
        if self.journal:
            self.log.append((m, -1))
        self.slot_of[m] = s
        for r in self.inst.resources[m]:
            self.at[r][s] = m
        self.count[s] += 1
        self.members[s].add(m)
        for p in self.inst.ends[m]:
            self.busy[p] |= 1 << s
            self.load[p] += 1

    def remove(self, m: int) -> None:
        s = self.slot_of[m]
        if self.journal:
            self.log.append((m, s))
        self.slot_of[m] = -1
        for r in self.inst.resources[m]:
            self.at[r][s] = -1
        self.count[s] -= 1
        self.members[s].discard(m)
        for p in self.inst.ends[m]:
            self.busy[p] &= ~(1 << s)
            self.load[p] -= 1

    def undo(self, mark: int) -> None:
        """Take back every logged move after `mark` (a length of the log)."""
        journal, self.journal = self.journal, False
        while len(self.log) > mark:
            m, s = self.log.pop()
            if s < 0:
                self.remove(m)
            else:
                self.place(m, s)
        self.journal = journal

    def assignment(self) -> list[int]:
        return list(self.slot_of)

    def restore(self, slot_of: list[int]) -> None:
        for m, s in enumerate(self.slot_of):
            if s >= 0:
                self.remove(m)
        for m, s in enumerate(slot_of):
            if s >= 0:
                self.place(m, s)

    def scheduled(self) -> list[int]:
        return [m for m, s in enumerate(self.slot_of) if s >= 0]

    def value(self) -> tuple[int, int]:
        """(meetings, sum of their priorities): what the first objective ranks by."""
        chosen = self.scheduled()
        return len(chosen), sum(self.inst.priority[m] for m in chosen)

    def idle(self) -> int:
        return sum(idle_periods(mask) for mask in self.busy)

    # ---------------------------------------------------------------- Kempe swaps

    def component(self, m: int, a: int, b: int) -> list[int]:
        """The meetings linked to `m` through shared resources in slots a and b:
        swapping their slots keeps every resource to one meeting per slot."""
        at = self.at
        resources = self.inst.resources
        found = [m]
        seen = {m}
        i = 0
        while i < len(found):
            for r in resources[found[i]]:
                row = at[r]
                for other in (row[a], row[b]):
                    if other >= 0 and other not in seen:
                        seen.add(other)
                        found.append(other)
            i += 1
        return found

    def can_swap(self, group: list[int], a: int, b: int) -> bool:
        inst = self.inst
        to_b = 0
        for m in group:
            s = self.slot_of[m]
            target = b if s == a else a
            if inst.fixed[m] >= 0 or not inst.allowed[m] >> target & 1:
                return False
            to_b += s == a
        to_a = len(group) - to_b
        tables = inst.n_tables
        return self.count[a] - to_b + to_a <= tables and self.count[b] - to_a + to_b <= tables

    def swap(self, group: list[int], a: int, b: int) -> None:
        targets = [b if self.slot_of[m] == a else a for m in group]
        for m in group:
            self.remove(m)
        for m, s in zip(group, targets, strict=True):
            self.place(m, s)

    def masks_after_swap(self, group: list[int], a: int, b: int) -> dict[int, int]:
        """The busy masks the swap would give the participants it touches."""
        both = 1 << a | 1 << b
        masks: dict[int, int] = {}
        for m in group:
            for p in self.inst.ends[m]:
                if p not in masks:
                    mask = self.busy[p]
                    # The component holds all of p's meetings in a and b, and the
                    # swap exchanges them: only one meeting of the two moves p.
                    masks[p] = mask ^ both if (mask & both).bit_count() == 1 else mask
        return masks

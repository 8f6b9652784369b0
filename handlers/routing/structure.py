"""The company as the portal describes it (§10): people, departments, heads, parents.

Built from the mirror the sync keeps (user.get, department.get), held in memory by the routing
cache. The escalation chain follows the §10 recipe: a department's UF_HEAD, and when it is
empty, inactive or not usable, the next head up the PARENT chain, up to the root's head.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Department, User

Usable = Callable[[int], bool]


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    extension: str | None
    active: bool
    departments: tuple[int, ...]


@dataclass(frozen=True)
class Dept:
    dept_id: int
    name: str
    parent_id: int | None
    head_id: int | None


@dataclass(frozen=True)
class Org:
    people: dict[int, Person] = field(default_factory=dict)
    departments: dict[int, Dept] = field(default_factory=dict)

    def person(self, user_id: int | None) -> Person | None:
        """Anyone the portal lists, fired people included (they must be recognised to skip)."""
        return None if user_id is None else self.people.get(user_id)

    def members(self, dept_ids: Iterable[int]) -> list[int]:
        """People listed in any of these departments (not their sub-departments), by id."""
        wanted = set(dept_ids)
        return [uid for uid, p in sorted(self.people.items()) if wanted & set(p.departments)]

    def ancestry(self, dept_id: int) -> list[Dept]:
        """The department, its parent, ... up to the root; a PARENT loop stops the walk."""
        chain: list[Dept] = []
        seen: set[int] = set()
        current = self.departments.get(dept_id)
        while current is not None and current.dept_id not in seen:
            chain.append(current)
            seen.add(current.dept_id)
            current = self.departments.get(current.parent_id) if current.parent_id else None
        return chain

    def head_chain(self, dept_id: int, usable: Usable) -> list[int]:
        """Heads from this department up to the root, skipping empty and unusable heads."""
        heads: list[int] = []
        for dept in self.ancestry(dept_id):
            head = dept.head_id
            if head is not None and head not in heads and usable(head):
                heads.append(head)
        return heads

    def head_levels(self, dept_ids: Iterable[int], usable: Usable) -> list[list[int]]:
        """Level k holds the k-th usable head above each department (several sales units)."""
        chains = [self.head_chain(d, usable) for d in sorted(set(dept_ids))]
        depth = max((len(c) for c in chains), default=0)
        levels: list[list[int]] = []
        for k in range(depth):
            level: list[int] = []
            for chain in chains:
                if k < len(chain) and chain[k] not in level:
                    level.append(chain[k])
            levels.append(level)
        return levels

    def root_heads(self) -> list[int]:
        """Heads of the departments without a parent: the top of the structure (the owner)."""
        return [d.head_id for d in self.departments.values()
                if d.parent_id is None and d.head_id is not None]


def load_org(session: Session, portal_id: int) -> Org:
    """Everyone (active or not: a fired manager must be recognised to be skipped)."""
    people = {u.b24_user_id: Person(u.b24_user_id, u.full_name, u.phone_inner, u.active,
                                    tuple(u.department_ids or ()))
              for u in session.scalars(select(User).where(User.portal_id == portal_id))}
    departments = {d.b24_department_id: Dept(d.b24_department_id, d.name, d.parent_id, d.head_id)
                   for d in session.scalars(select(Department).where(
                       Department.portal_id == portal_id))}
    return Org(people, departments)

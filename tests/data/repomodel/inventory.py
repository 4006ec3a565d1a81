"""A small inventory module."""
import os
import collections.abc as cabc
from .store import Store
from typing import Optional

MAX_STOCK = 100
default_name = "inventory"


class Item:
    """One item."""

    def __init__(self, name, count=0):
        self.name = name
        self.count = count

    @property
    def empty(self):
        return self.count == 0

    async def refresh(self):
        return await Store().fetch(self.name)


def total(items: list[Item]) -> int:
    return sum(i.count for i in items)


@staticmethod
def _helper():
    def inner():
        return os.getcwd()
    return inner()


if __name__ == "__main__":
    print(total([Item("a", 1)]))

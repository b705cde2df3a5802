"""Union-find over unit ids: connected components of duplicate edges, order-independent."""

from __future__ import annotations

import numpy as np

__all__ = ["UnionFind"]


class UnionFind:
    """Disjoint sets over 0..n-1 whose root is always the smallest id (so results never depend
    on the order edges arrive in)."""

    def __init__(self, n: int) -> None:
        self.parent = np.arange(n, dtype=np.int64)

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return int(root)

    def union(self, x: int, y: int) -> bool:
        """Join the sets of x and y; return False if they were already one set."""
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return False
        if rx < ry:
            self.parent[ry] = rx
        else:
            self.parent[rx] = ry
        return True

    def roots(self) -> np.ndarray:
        """The root (smallest member) of every id."""
        return np.array([self.find(i) for i in range(len(self.parent))], dtype=np.int64)

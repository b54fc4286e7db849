"""The one fixpoint loop: steps in turn, round after round, until they settle.

Both the document pipeline's fixpoint step (:class:`cleaner.steps.base.Fixpoint`) and the chrome
rules run alone (:func:`cleaner.engine.ruleset.run_chrome`, what rule examples and the authoring
tools see) follow this schedule, so "settled" means the same in both.
"""

from __future__ import annotations

from collections.abc import Iterator


class Rounds:
    """Which step runs next, as ``(step index, round number)``: steps in order, round after
    round, until every step in a row has run on the value as it now is without changing it.
    The caller runs the step and calls :meth:`changed` when it changed the value. ``limit``
    bounds the rounds: when it is reached first, the loop ends with ``settled`` False."""

    __slots__ = ("limit", "quiet", "settled", "steps")

    def __init__(self, steps: int, limit: int) -> None:
        self.steps = steps
        self.limit = limit
        self.quiet = 0  # step runs in a row that left the value as it was
        self.settled = False

    def __iter__(self) -> Iterator[tuple[int, int]]:
        # Mid-round is fine: once ``steps`` runs in a row changed nothing, each step has seen
        # the value as it is and left it alone, so another round would change nothing.
        i, round_no = 0, 1
        while self.quiet < self.steps:
            if i == self.steps:
                if round_no == self.limit:
                    return
                i, round_no = 0, round_no + 1
            self.quiet += 1  # until the caller says otherwise
            yield i, round_no
            i += 1
        self.settled = True

    def changed(self) -> None:
        """The step just run changed the value: every step must see it again."""
        self.quiet = 0

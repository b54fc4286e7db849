"""The quality step: signals of the quality filters on the record, and a reject for a document
that fails one (only when the run has quality filters: ``--quality`` or ``quality.filters``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from cleaner.record import Reason, Reject
from cleaner.steps.base import Doc


class Quality:
    """Quality filters (--quality): signals stored on the record, failing documents rejected."""

    name = "quality"

    def __call__(self, doc: Doc) -> Doc | Reject:
        filters = doc.ctx.quality
        if filters is None or not filters.filters:
            return doc
        record = doc.record
        assert record is not None
        assert doc.text is not None
        signals, failed = filters.evaluate(doc.text, record.lang)
        record = dataclasses.replace(record, quality=signals)
        if failed and filters.drop:
            reasons = tuple(
                Reason(f.id, _message(bad), field="quality", rule=f.id, values=bad)
                for f, bad in failed
            )
            return Reject(doc.raw.id, doc.raw.source, reasons, record.to_dict())
        return doc.but(record=record)


def _message(bad: dict[str, dict[str, Any]]) -> str:
    parts = []
    for signal, v in bad.items():
        if "min" in v:
            parts.append(f"{signal} {v['value']:g} < {v['min']:g}")
        else:
            parts.append(f"{signal} {v['value']:g} > {v['max']:g}")
    return "; ".join(parts)

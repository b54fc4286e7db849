"""The run report (``cleaner run --report``, ``cleaner report``): aggregates collected while a
run cleans (:mod:`cleaner.report.aggregate`), saved as ``report.json`` beside ``summary.json``,
and one self-contained HTML page made from them (:mod:`cleaner.report.page`)."""

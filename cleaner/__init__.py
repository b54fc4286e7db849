"""cleaner: scraped web and news articles in, a clean, validated JSONL corpus out.

The public surface is small:

    from cleaner import Cleaner, RawArticle
    cleaner = Cleaner.from_paths(["rules"])
    outcome = cleaner.clean(RawArticle(id="a1", source="a1.txt", data=b"..."))
"""

from cleaner.engine.load import load_packs
from cleaner.engine.ruleset import RuleSet
from cleaner.errors import CleanerError, RuleError, RuleErrors
from cleaner.pipeline import Cleaner, Outcome
from cleaner.record import RawArticle, Reason, Record, Reject

__all__ = [
    "Cleaner",
    "CleanerError",
    "Outcome",
    "RawArticle",
    "Reason",
    "Record",
    "Reject",
    "RuleError",
    "RuleErrors",
    "RuleSet",
    "load_packs",
]
__version__ = "0.1.0"

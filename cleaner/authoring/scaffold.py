"""``cleaner new-site``: the skeleton of a site pack, valid as written, with a worked example."""

from __future__ import annotations

from cleaner.authoring.suggest import id_prefix
from cleaner.authoring.yamlwrite import flow_list, scalar


def skeleton(domain: str) -> str:
    """A pack that loads and matches ``domain``, with commented rules to copy and edit."""
    prefix = id_prefix(domain)
    brand = prefix.replace("-", " ").title()
    return f"""\
# Site pack for {domain}. Reference of every rule kind and option: docs/rules.md
# Next steps:
#   cleaner suggest --site {domain} PAGES... -o draft.yaml   # mine chrome from real pages
#   cleaner explain PAGE --url https://{domain}/...          # see every rule at work
#   cleaner check-rules && cleaner test-rules                # validate, run the examples
pack: {scalar(domain)}
description: {scalar(f"Articles from {domain}.")}
scope: site
match:
  domains: {flow_list([domain])}            # inputs with a URL on this domain (or a subdomain)
  # fingerprints:                   # inputs without a URL: text only this site prints
  #   - literal: "| {brand}"
# Rules run in order, after fields are extracted; each needs examples that `test-rules` runs.
# Uncomment and edit, or paste rules from a `cleaner suggest` draft:
rules:
#
#  - id: {prefix}-title
#    kind: extract
#    description: The headline from the page title, "<headline> | {brand}".
#    field: title
#    pattern: '^(.+?) \\| {brand}$'
#    first_lines: 3
#    examples:
#      - input: "A headline | {brand}\\nText."
#        fields: {{title: "A headline"}}
#
#  - id: {prefix}-footer
#    kind: cut_after
#    description: Everything below the share bar that ends each article.
#    line: "Share this article"
#    last_lines: 40
#    examples:
#      - input: "Last paragraph.\\nShare this article\\nMore stories"
#        output: "Last paragraph."
#      - input: "Please share this article with friends."   # a near miss it keeps
#        output: "Please share this article with friends."
"""

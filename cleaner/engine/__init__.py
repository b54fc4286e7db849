"""The rule engine: rule kinds, the pack loader and the compiled, dispatching rule set."""

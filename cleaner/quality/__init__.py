"""Quality filters as data: Gopher, C4 and FineWeb heuristics, their signals and presets."""

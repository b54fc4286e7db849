"""The edges: readers turn files into RawArticles, writers commit records atomically."""

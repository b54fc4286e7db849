"""Pure steps of the pipeline: text in, text (or fields) out. No step reads files."""

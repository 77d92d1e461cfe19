"""newsprep: raw multi-outlet news text in, cleaned, deduplicated, annotated datasets out."""

__version__ = "0.1.0"

"""Documents going out: fonts, PDF rendering, print contexts."""

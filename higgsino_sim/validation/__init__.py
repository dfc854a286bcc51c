"""Physics validation: comparisons of the generator and the detector cards with
independent references, drawn as the panels of the ``hsim validate`` report
(docs/validation.md)."""

"""Uncertain quantities: units and dates, numbers or distributions, seeded sampling. The bottom layer: it knows nothing of scenarios."""

"""The planning questions on top of runs: comparisons, goal seek, required investment, calibration from history, sensitivity analysis and scenario discovery."""

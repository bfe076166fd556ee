"""The model: a scenario compiled into a parameter table, project schedules, energy and the baseline economy, and the engine — a pure function of (compiled scenario, parameter draws)."""

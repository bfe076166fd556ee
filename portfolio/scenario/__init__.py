"""Scenario files: the schema, loading and validation (YAML, extends, registers, --set), the dependency graph, and the observed inputs (actuals, the project ledger)."""

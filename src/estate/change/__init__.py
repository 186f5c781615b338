"""Changing devices: the environment lock, run records and reading past runs (push, review,
diff and rollback move here from the top-level modules, stage by stage)."""

"""Changing devices, the end of the flow: connections and fetch, diff, risk, review and its
reports, push (backup → apply → verify → save, rollback), the environment lock and run records."""

"""The cloud side of the estate: stack settings, the Pulumi components of each tier, the mocks
that run the stack program offline, the policy rules and the offline plan."""

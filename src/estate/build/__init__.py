"""The build stage: from the checked inventory to per-device models, render contexts and
rendered configs (addressing, sizing, capacity, device model, render context, render), and the
validation of the derived models above them."""

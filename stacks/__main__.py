"""The estate Pulumi program: `pulumi up` runs this for the selected stack (dev, staging, prod).
Everything lives in `estate.cloud` so `estate plan` and the tests run the very same code."""

from pathlib import Path

from estate.cloud.program import main

main(Path(__file__).resolve().parents[1])  # the project folder holding Pulumi.yaml

"""The estate Pulumi program: `pulumi up` runs this for the selected stack (dev, staging, prod).
Everything lives in `estate.cloud` so `estate plan` and the tests run the very same code."""

from estate.cloud.program import main

main()

"""`python -m scripts.pimms ...`: the `pimms` command before it is installed as a console script."""
import sys

from scripts.pimms import main

sys.exit(main())

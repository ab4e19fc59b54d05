from __future__ import annotations

import sys

from imgeda_ci.cli import main

sys.exit(main())

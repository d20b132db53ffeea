"""``python -m catlip``: the same as the ``catlip`` command."""

from catlip.cli import main

raise SystemExit(main())

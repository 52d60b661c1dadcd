"""`python -m bot` is `confbot`."""

from bot.cli import main

raise SystemExit(main())

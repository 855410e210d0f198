"""``python -m hhbill.cli``: the same as the ``hhbill`` script."""

from . import main

main()

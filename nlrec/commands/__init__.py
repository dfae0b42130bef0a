"""Command groups of the ``nlrec`` CLI, one module a noun (registered at the end of ``nlrec.cli``)."""

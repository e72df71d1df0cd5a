"""Rich renderings the commands print: data in, renderable out, no I/O of their own.

* ``status`` — the live status of ``bot run`` (and how it is shown on or off a terminal).
* ``heatmap`` — one symbol's clusters as bars by strength, the mark price among them.
* ``journal`` — trades as a table, CSV or JSON, and the summary tables.
"""

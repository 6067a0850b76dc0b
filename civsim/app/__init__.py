"""The planner's explorer: levers, uncertainties and runs of a scenario, in a browser or JupyterLab.

The modules below hold no model code; they call civsim's public functions.

- :mod:`civsim.app.levers`: the controls a scenario offers and the variant they make;
- :mod:`civsim.app.runs`: replications in worker processes, streamed back as each finishes;
- :mod:`civsim.app.reproduce`: the YAML overlay, Python call and ``civsim`` command of a setting;
- :mod:`civsim.app.figures`: the figures the explorer shows (from :mod:`civsim.plots`);
- :mod:`civsim.app.ui`: the Solara component (``Page``), the same in JupyterLab and standalone;
- :mod:`civsim.app.serve`: ``civsim app``, the standalone server on localhost.

Solara is imported by :mod:`civsim.app.ui` and :mod:`civsim.app.serve` only (the ``app`` extra).
"""

__all__: list[str] = []

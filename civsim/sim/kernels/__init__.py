"""Compiled inner loops of a simulated day, over the state arrays.

The mechanisms' processes (:mod:`civsim.sim.mechanisms`) decide what happens and when;
these functions do the per-checkpoint and per-order arithmetic of one step in
one pass, compiled with numba, where the same step in numpy would be dozens of
array calls a day, each with its overhead and its own pass over memory. They
take and change plain numpy arrays (and numpy random Generators, whose streams
random draws come in as arrays), so the state stays in numpy.

One module per step: the condition's daily pass and the funded lifts
(:mod:`.condition`), a day's defects (:mod:`.defects`), the looks that find
problems (:mod:`.detection`), the order book (:mod:`.orders`), the volunteer
dispatch centres (:mod:`.volunteers`) and the draws keyed by day and checkpoint
(:mod:`.keyed`); mechanisms reach them all as
``kernels.<name>``. Compiled functions are cached on disk beside their module
(``__pycache__``) the first time they run.
"""

from civsim.sim.kernels.condition import add_lift, advance, lift_shares, lift_sums, lifted
from civsim.sim.kernels.defects import defect_day
from civsim.sim.kernels.detection import find_problems
from civsim.sim.kernels.keyed import keyed_exponentials, keyed_uniforms, keyed_words
from civsim.sim.kernels.orders import open_orders, push_orders, work_queues
from civsim.sim.kernels.volunteers import serve_requests

__all__ = [
    "add_lift",
    "advance",
    "defect_day",
    "find_problems",
    "keyed_exponentials",
    "keyed_uniforms",
    "keyed_words",
    "lift_shares",
    "lift_sums",
    "lifted",
    "open_orders",
    "push_orders",
    "serve_requests",
    "work_queues",
]

"""The bundled Graph API simulator: one handler, served in-process or on loopback."""

from __future__ import annotations

from tui.simulator.clock import SimClock
from tui.simulator.core import Simulator
from tui.simulator.handler import LoggedRequest
from tui.simulator.protocol import FaultDirective, GraphError, SimRequest, SimResponse
from tui.simulator.server import serve, simulate
from tui.simulator.world import World

__all__ = [
    "FaultDirective",
    "GraphError",
    "LoggedRequest",
    "SimClock",
    "SimRequest",
    "SimResponse",
    "Simulator",
    "World",
    "serve",
    "simulate",
]

"""Simulation tools for the kiosk, outside the shipping UI package (kiosk/ui).

- :mod:`kiosk_sim.scenario`: the scenario runner (``kiosk --headless --scenario FILE``).
- :mod:`kiosk_sim.scenario_actions`: the simulator hooks scenarios and the panel use.
- :mod:`kiosk_sim.sim_panel`: the simulator control panel beside the window (``--simulate``).
- :mod:`kiosk_sim.tools`: attaches one of them to a running kiosk.

It sits above kiosk/ui (it drives the window like a resident would) and may use Qt.
"""

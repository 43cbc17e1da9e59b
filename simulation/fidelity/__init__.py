"""The fidelity harness: one lead stream through the live engine and the sandbox, compared lead
by lead (issue 21; ``docs/fidelity.md``).

``inputs`` derives the shared inputs (a small scenario, a second-scale rulebook, the clock that
maps live time to simulated time); ``live`` drives the real workers through the public API;
``sandbox`` replays the same channel in the SimPy model at the moments the live run observed;
``compare`` sets the two side by side; ``harness`` runs the whole thing.
"""

"""The rulebook roll-out process: draft, simulation gate, approval, publication, in force."""

"""Temporal workflows: ``workflows.catalog.ALL_WORKFLOWS`` is what a Parley worker registers.

``workflows.human`` is the human-task machinery every process composes; each process has a
package of its own (``workflows.registration``). Importing this package loads nothing, so the
CLI and the web can read a process's types and vocabulary without loading every workflow.
"""

"""The human-task machinery every process composes; it names no process.

- ``authority``: who is acting (roles, delegations), four-eyes, refusals;
- ``updates``: the task updates (decide, escalate, answer) every process takes;
- ``vocabulary``: a process kind's decision words and what each does;
- ``commands``: accepted updates queued for the run loop, dispatched by type;
- ``journal``: numbered transitions, open tasks, history and search attributes;
- ``validation``: the task updates' validators, over a set of open tasks;
- ``walk``: an approval path (``rules.approval``) walked on real timers;
- ``local``: how a process's workflow calls its activities.

docs/human-tasks.md explains how a new process is built on them.
"""

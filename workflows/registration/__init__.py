"""The deal-registration process: its workflow, its types and vocabulary, how its tasks look.

Built on the generic human-task machinery of ``workflows.human``; only what is registration's
own lives here (see docs/registration.md). The workflow class is
``workflows.registration.workflow.RegistrationWorkflow``.
"""

"""The discount-exception process: a price beyond standard approved before the partner quotes it.

Built on ``workflows.human``: the chain from the rulebook's matrix is an approval path walked by
the shared machinery. What is here is the discount's own: revisions that ask again only whose
part changed, quote validity, renewal, and ending with the registration it prices (see
docs/discount.md). The workflow class is ``workflows.discount.workflow.DiscountWorkflow``.
"""

"""One construct per capability; `infra.stack` composes them.

(Not `constructs/`: that name would shadow the `constructs` library the CDK imports.)
"""

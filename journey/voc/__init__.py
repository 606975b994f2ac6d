"""Voice of the customer: language, sentiment and themes of the survey verbatims.

A layer of its own between the store (`db`) and the layers that read or write answers: the
importer (ingest) rescores the store's comments and finds their themes inside its
transaction, and analytics reads the stored scores and themes; neither may import the other.
It imports only `db` and `i18n`.
"""

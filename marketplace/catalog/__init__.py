"""The town-wide categories (one taxonomy shared by every town and shop), not a shop's products.

A shop's products and variants live in `vendors/products.py`; the app keeps its name `catalog`
because its label is in the migrations and the database tables (`catalog_category`).
"""

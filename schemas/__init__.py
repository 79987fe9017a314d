"""Marshmallow schemas: the public contract of every resource, one module per resource."""

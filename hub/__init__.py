"""hub: a collaboration hub for the expert networks of an association of local governments."""

__version__ = "0.1.0"

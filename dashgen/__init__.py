"""dashgen: working Dash projects for Flask, FastAPI and Quart, and the files to deploy them."""

__version__ = "0.1.0"

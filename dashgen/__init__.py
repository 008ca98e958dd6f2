"""dashgen: working Dash projects for Flask, FastAPI and Quart, and the files to deploy them."""

__version__ = "0.1.0"
# copier's default name for the file that records a project's answers.
ANSWERS_FILE = ".copier-answers.yml"

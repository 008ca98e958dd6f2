"""dashgen: working Dash projects for Flask, FastAPI and Quart, and the files to deploy them."""

__version__ = "0.2.0"
# The name on the package index (`pip install dashgen-cli`); the command is `dashgen`.
DISTRIBUTION = "dashgen-cli"
# copier's default name for the file that records a project's answers.
ANSWERS_FILE = ".copier-answers.yml"

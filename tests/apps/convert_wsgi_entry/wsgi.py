"""What the production server loads."""
from app import server as application  # noqa: F401

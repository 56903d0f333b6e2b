"""readycheck: is this Python web service ready for production?"""

__version__ = "0.1.0"

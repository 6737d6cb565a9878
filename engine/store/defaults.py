"""Where the store lives when no URL is given: a SQLite file in the working folder.

Its own module so that the package can name it (in option defaults, in `--help`) without loading
SQLAlchemy, and `store` can use it without importing its own package back.
"""

DEFAULT_URL = "sqlite:///orderflow.db"

"""Domain code: queries that return select() and operations that flush but never commit."""

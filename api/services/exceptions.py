"""Domain errors raised by services; api/errors.py maps each to an HTTP problem."""


class DomainError(Exception):
    """A request the domain refuses; `field` names the input at fault, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class UnknownReference(DomainError):
    """A slug or id that names nothing (an unknown tag or author on an article)."""


class SlugTaken(DomainError):
    """An explicit slug already used by another resource of the same kind."""


class Conflict(DomainError):
    """The request clashes with the resource's current state."""


class InvalidValue(DomainError):
    """A well-formed value the domain refuses (a schedule in the past)."""

"""What can go wrong in the coursework layer, as exceptions a page can turn into one line."""
from __future__ import annotations


class CourseworkError(ValueError):
    """Bad input from a student or an instructor: an unknown course code, a name already taken, a
    resume link that opens no record, text that is too long. The message is for the person."""


class CourseArchived(CourseworkError):
    """The course is archived: its records can be read but nothing new is stored."""


class DatabaseUnavailable(ConnectionError):
    """The database cannot be reached (stopped, locked, out of connections). Nothing was stored; the
    caller may keep what it wanted to write and try again later."""

"""The fixtures of the pursuit tests: the assessment tests' year of work in the small county (built once, kept by
tests/shelf.py), on which the rules of pursuit run."""

from tests import shelf
from tests.assessment import year

pursued = shelf.shelved("pursued", year.year_of_work, below="county")

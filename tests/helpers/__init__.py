"""Helpers shared by test modules: no tests here, and no test module imports another."""

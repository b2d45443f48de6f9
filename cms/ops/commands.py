"""The `flask --app app cms ...` command group, which every command module adds to."""

from flask.cli import AppGroup

cms = AppGroup("cms", help="Manage the practice-cms site.")

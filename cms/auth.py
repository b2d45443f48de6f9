"""Sign-in plumbing: Flask-Login setup and the blueprint-wide guard for /admin/."""

from flask import abort, redirect, request, url_for
from flask_login import LoginManager, current_user

from .models import User

login_manager = LoginManager()
login_manager.login_view = "admin.login"
login_manager.login_message = "Please sign in to continue."
login_manager.session_protection = "strong"

# Views reachable without signing in; every other admin view requires it by default.
PUBLIC_ADMIN_ENDPOINTS = {"admin.login", "admin.static"}
# Views that editors may not use (admins only).
ADMIN_ONLY_ENDPOINTS: set[str] = set()


def admin_only(view):
    """Mark a view as admin-only (the guard enforces it)."""
    ADMIN_ONLY_ENDPOINTS.add(f"admin.{view.__name__}")
    return view


@login_manager.user_loader
def load_user(user_id: str):
    """The signed-in user, if the account still exists and is active."""
    user = User.get_or_none(User.id == int(user_id)) if user_id.isdigit() else None
    return user if user and user.active else None


def guard_admin():
    """before_request for the admin blueprint: sign-in required, roles enforced."""
    if request.endpoint in PUBLIC_ADMIN_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    if request.endpoint in ADMIN_ONLY_ENDPOINTS and not current_user.is_admin:
        abort(403, "This screen is for administrators.")
    return None


def init_app(app) -> None:
    """Attach Flask-Login to the app."""
    login_manager.init_app(app)

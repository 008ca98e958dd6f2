"""flask_login's session login on Quart, as `dashgen convert --backend quart` writes it into a
project (flask_login needs Flask's request context: on Quart it answers 500 on every request).

The subset of Flask-Login 0.6.3 that dashgen maps, answering as it does: the user's id is kept in
the session under Flask-Login's keys (`_user_id`, `_fresh`, `_id`), so a session cookie the Flask
app signed logs in here as well; `current_user` is loaded through the user loader once per
request; `login_required` redirects to `login_view` with `?next=` and flashes `login_message`, or
answers 401 without a login view; a session from another address or browser is marked not fresh
("basic" session protection); `login_user(user, remember=True)` sets Flask-Login's remember-me
cookie (`remember_token`, a year, signed alike), which logs the user in again once the session
cookie is gone. Request and header loaders, an unauthorized handler and Flask-Login's settings
(`REMEMBER_COOKIE_*`, `SESSION_PROTECTION`, ...) are not here: dashgen refuses an app that uses
them, and this module fails loudly rather than answering otherwise."""

# Its behaviour and names follow Flask-Login 0.6.3, under its license:
#
# Copyright (c) 2011 Matthew Frazier
#
# Permission is hereby granted, free of charge, to any person
# obtaining a copy of this software and associated documentation
# files (the "Software"), to deal in the Software without
# restriction, including without limitation the rights to use,
# copy, modify, merge, publish, distribute, sublicense, and/or sell
# copies of the Software, and to permit persons to whom the
# Software is furnished to do so, subject to the following
# conditions:
#
# The above copyright notice and this permission notice shall be
# included in all copies or substantial portions of the Software.
#
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,
# EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES
# OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
# NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT
# HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY,
# WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
# FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR
# OTHER DEALINGS IN THE SOFTWARE.

from __future__ import annotations

import functools
import hashlib
import hmac
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import quart
from werkzeug.local import LocalProxy

__all__ = ["AnonymousUserMixin", "LoginManager", "UserMixin", "current_user", "login_required", "login_user",
           "logout_user"]  # fmt: skip

# Flask-Login's settings this module does not have: seen in the app's config, it fails.
_UNMAPPED_CONFIG = ("SESSION_PROTECTION", "USE_SESSION_FOR_NEXT", "FORCE_HOST_FOR_REDIRECTS", "AUTH_HEADER_NAME")
_UNMAPPED_PREFIX = "REMEMBER_COOKIE_"
_REMEMBER_COOKIE = "remember_token"
_REMEMBER_DURATION = timedelta(days=365)
_EXEMPT_METHODS = {"OPTIONS"}


class UserMixin:
    """What Flask-Login expects of a user: active, authenticated, its `id` as the session's id."""

    __hash__ = object.__hash__

    @property
    def is_active(self):
        return True

    @property
    def is_authenticated(self):
        return self.is_active

    @property
    def is_anonymous(self):
        return False

    def get_id(self):
        try:
            return str(self.id)
        except AttributeError:
            raise NotImplementedError("No `id` attribute - override `get_id`") from None

    def __eq__(self, other):
        if isinstance(other, UserMixin):
            return self.get_id() == other.get_id()
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal


class AnonymousUserMixin:
    """`current_user` when nobody is logged in."""

    @property
    def is_authenticated(self):
        return False

    @property
    def is_active(self):
        return False

    @property
    def is_anonymous(self):
        return True

    def get_id(self):
        return None


class LoginManager:
    """Flask-Login's LoginManager: `init_app(server)`, `user_loader`, `unauthorized()`,
    `login_view`, `login_message` and `login_message_category`. Any other attribute is an
    error, not a setting silently ignored."""

    __slots__ = ("_user_callback", "login_message", "login_message_category", "login_view")

    def __init__(self, app=None, add_context_processor=True):
        self.login_view = None
        self.login_message = "Please log in to access this page."
        self.login_message_category = "message"
        self._user_callback = None
        if app is not None:
            self.init_app(app, add_context_processor)

    def init_app(self, app, add_context_processor=True):
        app.login_manager = self
        app.after_request(_update_remember_cookie)
        if add_context_processor:
            app.context_processor(_user_context_processor)

    def user_loader(self, callback):
        self._user_callback = callback
        return callback

    def unauthorized(self):
        """The answer to a request that needs a login: a redirect to the login view, or a 401."""
        if not self.login_view:
            quart.abort(401)
        if self.login_message:
            flashes = quart.session.get("_flashes", [])
            flashes.append((self.login_message_category, self.login_message))
            quart.session["_flashes"] = flashes
        return quart.redirect(_login_url(self.login_view, quart.request.url))

    def _load_user(self):
        if self._user_callback is None:
            raise Exception("Missing user_loader or request_loader.")
        _check_config()
        session = quart.session
        if session and _identifier() != session.get("_id") and session.get("_fresh") is not False:
            session["_fresh"] = False  # "basic" session protection: another address or browser
        user_id = session.get("_user_id")
        user = self._user_callback(user_id) if user_id is not None else None
        cookie = quart.request.cookies.get(_REMEMBER_COOKIE)
        if user is None and cookie is not None and session.get("_remember") != "clear":
            user = self._load_user_from_remember_cookie(cookie)
        quart.g._login_user = user if user is not None else AnonymousUserMixin()

    def _load_user_from_remember_cookie(self, cookie):
        if "|" not in cookie:
            return None
        payload, digest = cookie.rsplit("|", 1)
        if not hmac.compare_digest(_cookie_digest(payload), digest):
            return None
        quart.session["_user_id"] = payload
        quart.session["_fresh"] = False
        return self._user_callback(payload)


def _get_user():
    if not quart.has_request_context():
        return None
    if "_login_user" not in quart.g:
        quart.current_app.login_manager._load_user()
    return quart.g._login_user


current_user = LocalProxy(_get_user)


def login_user(user, remember=False, duration=None, force=False, fresh=True):
    """Keep the user's id in the session (and, remembered, in a cookie of its own); False, and
    nothing kept, for an inactive user."""
    if not force and not user.is_active:
        return False
    _check_config()
    session = quart.session
    session["_user_id"] = user.get_id()
    session["_fresh"] = fresh
    session["_id"] = _identifier()
    if remember:
        session["_remember"] = "set"
        if duration is not None:
            try:
                session["_remember_seconds"] = duration.total_seconds()
            except AttributeError as error:
                raise Exception(f"duration must be a datetime.timedelta, instead got: {duration}") from error
    quart.g._login_user = user
    return True


def logout_user():
    """Forget the user: the session's keys go, a remember-me cookie the browser holds is cleared."""
    session = quart.session
    for key in ("_user_id", "_fresh", "_id"):
        if key in session:  # a pop marks the session modified, and sends its cookie again
            session.pop(key)
    if _REMEMBER_COOKIE in quart.request.cookies:
        session["_remember"] = "clear"
        if "_remember_seconds" in session:
            session.pop("_remember_seconds")
    quart.g._login_user = AnonymousUserMixin()
    return True


def login_required(view):
    """A route only a logged-in user gets; anyone else gets LoginManager.unauthorized()."""

    @functools.wraps(view)
    async def decorated_view(*args, **kwargs):
        app = quart.current_app
        exempt = quart.request.method in _EXEMPT_METHODS or app.config.get("LOGIN_DISABLED")
        if not exempt and not current_user.is_authenticated:
            return app.login_manager.unauthorized()
        return await app.ensure_async(view)(*args, **kwargs)

    return decorated_view


def _identifier():
    """Flask-Login's digest of the client's address and browser, spelt as it spells it."""
    address = quart.request.headers.get("X-Forwarded-For", quart.request.remote_addr)
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    user_agent = quart.request.headers.get("User-Agent")
    if user_agent is not None:
        user_agent = user_agent.encode("utf-8")
    return hashlib.sha512(f"{address}|{user_agent}".encode()).hexdigest()


def _login_url(login_view, current_url):
    """`login_view?next=<the path asked for>`, as Flask-Login's login_url makes it."""
    if not login_view.startswith(("https://", "http://", "/")):
        raise NotImplementedError("login_view as an endpoint's name is not mapped onto Quart: give its path")
    base, asked = urlsplit(login_view), urlsplit(current_url)
    same_site = (not base.scheme or base.scheme == asked.scheme) and (not base.netloc or base.netloc == asked.netloc)
    query = parse_qs(base.query, keep_blank_values=True)
    query["next"] = urlunsplit(("", "", asked.path, asked.query, "")) if same_site else current_url
    return urlunsplit(base._replace(query=urlencode(query, doseq=True)))


def _check_config():
    config = quart.current_app.config
    unmapped = [key for key in config if key in _UNMAPPED_CONFIG or key.startswith(_UNMAPPED_PREFIX)]
    if unmapped:
        raise NotImplementedError(f"Flask-Login's {', '.join(unmapped)} is not mapped onto Quart")


def _cookie_digest(payload):
    key = quart.current_app.config["SECRET_KEY"]
    key = key.encode("latin1") if isinstance(key, str) else key
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha512).hexdigest()


async def _update_remember_cookie(response):
    """The remember-me cookie set after login_user(..., remember=True), deleted after
    logout_user(), as Flask-Login's after_request does."""
    session = quart.session
    # Flask (3.1.3) counts every use of its session proxy as an access, and so sends `Vary: Cookie`
    # with every answer of an app Flask-Login's after_request reads the session in; Quart does not.
    session.accessed = True
    if "_remember" not in session:
        return response
    operation = session.pop("_remember")
    if operation == "set" and "_user_id" in session:
        seconds = session.get("_remember_seconds")
        duration = _REMEMBER_DURATION if seconds is None else timedelta(seconds=seconds)
        payload = str(session["_user_id"])
        response.set_cookie(
            _REMEMBER_COOKIE,
            value=f"{payload}|{_cookie_digest(payload)}",
            expires=datetime.now(timezone.utc) + duration,
            path="/",
            httponly=True,
        )
    elif operation == "clear":
        response.delete_cookie(_REMEMBER_COOKIE, path="/")
    return response


def _user_context_processor():
    return {"current_user": _get_user()}

"""The cache, made before the app and bound to its server by init_cache(app)."""
import itertools

from flask_caching import Cache

cache = Cache(config={"CACHE_TYPE": "SimpleCache"})
runs = itertools.count(1)


def init_cache(app):
    cache.init_app(app.server)


@cache.memoize(timeout=300)
def total(n):
    """Which run computed it: a hit answers the first run's number again."""
    return {"n": n, "run": next(runs)}

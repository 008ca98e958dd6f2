"""What the pages share: a cache on the app's server, and the request's method."""
import itertools

import dash
from flask import request
from flask_caching import Cache

cache = Cache(dash.get_app().server, config={"CACHE_TYPE": "SimpleCache"})
runs = itertools.count(1)


@cache.memoize(timeout=300)
def computed(key):
    """How many times it really ran: a hit answers the first run's number again."""
    return next(runs)


def method():
    return request.method

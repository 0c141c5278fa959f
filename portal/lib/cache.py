"""The shared Redis cache, with one client per connection pool.

Django's Redis backend builds a new ``redis.Redis`` object for every cache call, and with it a table of
some 170 response callbacks: a tenth of the home page's CPU in the profile, for three cache reads. A
``redis.Redis`` is safe to share between threads (it takes a connection from its pool for each command),
so one per pool is kept.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClients(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if pool not in self._clients:
            self._clients[pool] = self._client(connection_pool=pool)
        return self._clients[pool]


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClients

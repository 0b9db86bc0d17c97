"""Throttling logins, per login and per client address: a guesser is slowed down long before an account
locks, and one address cannot spend the gateway's hashing on thousands of logins (the decoy hash of an
unknown login costs as much as a real one, on purpose). Windows slide; everything is kept in memory, one
gateway process per association (a restart forgets it, the accounts' lock does not)."""
import collections
import time

from nameko.extensions import DependencyProvider


class Window:
    """At most `limit` hits per key in any `seconds`; `hit` answers how long to wait, or 0 if allowed."""

    def __init__(self, limit: int, seconds: float, clock=time.monotonic, max_keys: int = 100_000):
        self.limit, self.seconds, self.clock, self.max_keys = limit, seconds, clock, max_keys
        self.hits = collections.OrderedDict()  # key -> deque of hit times, least recently used first

    def hit(self, key: str) -> float:
        now = self.clock()
        times = self.hits.pop(key, None) or collections.deque()
        while times and times[0] <= now - self.seconds:
            times.popleft()
        self.hits[key] = times
        if len(self.hits) > self.max_keys:  # forget the longest-idle key rather than grow without bound
            self.hits.popitem(last=False)
        if len(times) >= self.limit:
            return max(0.0, times[0] + self.seconds - now)
        times.append(now)
        return 0.0


class LoginThrottle(DependencyProvider):
    """Config LOGIN_ATTEMPTS_PER_LOGIN (10) and LOGIN_ATTEMPTS_PER_ADDRESS (30), per LOGIN_WINDOW_MINUTES
    (5); TRUSTED_PROXY_HOPS (0): how many proxies in front of the gateway add X-Forwarded-For."""

    def setup(self):
        config = self.container.config
        seconds = 60 * float(config.get("LOGIN_WINDOW_MINUTES", 5))
        self.throttle = Throttle(Window(int(config.get("LOGIN_ATTEMPTS_PER_LOGIN", 10)), seconds),
                                 Window(int(config.get("LOGIN_ATTEMPTS_PER_ADDRESS", 30)), seconds),
                                 int(config.get("TRUSTED_PROXY_HOPS", 0)))

    def get_dependency(self, worker_ctx):
        return self.throttle


class Throttle:
    def __init__(self, per_login: Window, per_address: Window, proxy_hops: int = 0):
        self.per_login, self.per_address, self.proxy_hops = per_login, per_address, proxy_hops

    def client_address(self, request) -> str:
        """The address the request came from: the socket's, or with proxies the one they say they saw."""
        if self.proxy_hops:
            forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
            if len(forwarded) >= self.proxy_hops:
                return forwarded[-self.proxy_hops]
        return request.remote_addr or "unknown"

    def wait_before(self, request, login: str) -> float:
        """Seconds the client must wait before this login attempt (0: go ahead); every attempt counts."""
        return max(self.per_address.hit("address:" + self.client_address(request)),
                   self.per_login.hit("login:" + login.lower()))

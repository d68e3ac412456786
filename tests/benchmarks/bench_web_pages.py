"""The customers' pages: largest contentful paint and bytes in headless Chromium, and server time
with 20 concurrent clients (figures, not assertions).

    python tests/benchmarks/bench_web_pages.py [--clients 20] [--requests 25] [--no-browser]

On a throwaway PostgreSQL database (<DATABASE_URL's name>_bench_web: created, migrated, loaded with
the demo towns, dropped at the end) served by gunicorn with the production settings
(deploy/gunicorn.conf.py, DEBUG off, whitenoise static files). Search answers from the search engine
when SEARCH_URL is set (an index of its own prefix, built here and deleted at the end), else from
the database backend. Pages: the town home, a search, a shop, the cart (two shops' lines).

1. Chromium (Debian's, driven by Selenium), cache disabled, each page loaded cold: LCP from a
   buffered PerformanceObserver('largest-contentful-paint'), bytes = navigation + resources'
   transferSize (compressed bytes on the wire, headers included).
2. The gunicorn workers' CPU time per request of each page (from /proc, one client): the figure a
   busy machine changes least.
3. 1, then N client threads (default 20), each with its own session and cart, request the four
   pages in turn (no pause between requests: a closed loop, so a request waits for the ones ahead
   of it); per page p50 / p95 / max of the response time measured by the client, and next
   to them (labelled "in worker") the time gunicorn measured inside the worker (access log %(D)s).
   The search's results are cached (keyed by what is asked): the runs print the share of searches
   served from the cache (the response's Cache-Status), and a last run asks each search with new
   terms (a price filter never asked before), so that every search misses the cache. Each run
   prints the CPU the clients themselves spent per request (they share the server's cores).
Prints the machine load (/proc/loadavg) before and after.
"""

from __future__ import annotations

import argparse
import http.cookies
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
os.environ["PAYMENT_GATEWAY"] = "dummy"
os.environ.pop("STRIPE_SECRET_KEY", None)
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-web-not-a-secret-but-long-enough-for-hs256")
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
os.environ["DJANGO_DEBUG"] = "0"
os.environ["SEARCH_INDEX_PREFIX"] = f"benchweb{os.getpid()}"
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
os.environ["LOGIN_RATE_LIMIT"] = "1000/m"
os.environ["CHECKOUT_CREATE_RATE_LIMIT"] = "100000/m"  # every visitor, run after run, gets a cart
if not os.environ.get("SEARCH_URL"):
    os.environ["SEARCH_BACKEND"] = "database"

from tests.benchmarks.throwaway_db import ThrowawayDatabase  # noqa: E402
from tests.servers import free_port, port_wait  # noqa: E402

DATABASE = ThrowawayDatabase("web")
PY = sys.executable
VAR = ROOT / "var" / "bench_web"
TOWN = "montpellier"
SHOP = "boulangerie-du-marche"
SEARCH = "/villes/montpellier/recherche/?q=pain"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")

LCP_JS = """
const done = arguments[arguments.length - 1];
let last = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) last = entry.startTime;
}).observe({type: 'largest-contentful-paint', buffered: true});
setTimeout(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const bytes = (nav ? nav.transferSize : 0) + resources.reduce((s, r) => s + r.transferSize, 0);
  done({lcp: last, bytes: bytes, resources: resources.length,
        html: nav ? nav.transferSize : 0});
}, 300);
"""


def _manage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def _product_paths() -> list[str]:
    """Two products of two shops of the town, to fill a cart from both."""
    import django

    django.setup()
    from vendors.models import Product, Stock

    Stock.objects.update(quantity=1_000_000)  # 20 clients never run out
    paths = []
    for product in (
        Product.objects.filter(vendor__town__slug=TOWN, vendor__status="approved")
        .select_related("vendor")
        .order_by("vendor_id", "pk")
        .distinct("vendor_id")[:2]
    ):
        paths.append(f"/villes/{TOWN}/commerces/{product.vendor.slug}/{product.slug}/")
    return paths


class Client:
    """One visitor with its own cookies (the session cookie is Secure: sent by hand over HTTP)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        if self.cookies:
            req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(req, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, response.read().decode("utf-8", "replace")

    def add_to_cart(self, product_path: str) -> None:
        _status, html = self.request(product_path)
        variant = re.search(r'name="variant" value="(\d+)"', html) or re.search(
            r'<option value="(\d+)"', html
        )
        assert variant, product_path
        status, _html = self.request(
            f"/villes/{TOWN}/panier/ajouter/",
            {
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
                "variant": variant[1],
                "quantity": "1",
            },
        )
        assert status == 302, status

    def assert_cart_lines(self, count: int) -> None:
        """The cart really holds `count` lines (a refused add redirects too)."""
        _status, html = self.request(f"/villes/{TOWN}/panier/")
        assert html.count('<li class="cart-line') == count, "the cart is not filled"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _browser_figures(base: str, products: list[str]) -> None:
    # Here, not at the top: only the browser's figures need selenium (--no-browser runs without).
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    profile = tempfile.mkdtemp(prefix="bench-web-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-extensions",
        "--lang=fr-FR",
        "--window-size=390,844",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        driver.get(base + "/health/")
        # a cart from two shops, through the product pages' forms
        for count, path in enumerate(products, start=1):
            driver.get(base + path)
            driver.find_element("css selector", "form.add-to-cart button[type=submit]").click()
            # htmx posts it and swaps the cart link in: leaving earlier could cancel the post
            WebDriverWait(driver, 20).until(
                expected_conditions.text_to_be_present_in_element(
                    ("css selector", "#cart-link .badge"), f"{count} "
                )  # read again when htmx has just replaced it (no stale element)
            )
        print("\nHeadless Chromium, 390 x 844, cache disabled (cold load of each page)")
        print(f"{'page':34} {'LCP ms':>8} {'kB':>7} {'HTML kB':>8} {'files':>6}")
        for name, path in _pages():
            figures = []
            for _attempt in range(3):
                driver.get(base + path)
                figures.append(driver.execute_async_script(LCP_JS))
            best = min(figures, key=lambda f: f["lcp"])
            print(
                f"{name:34} {statistics.median(f['lcp'] for f in figures):8.0f} "
                f"{best['bytes'] / 1024:7.1f} {best['html'] / 1024:8.1f} {best['resources']:6d}"
            )
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _pages(*, search_misses: bool = False) -> list[tuple[str, str]]:
    return [
        ("town home", f"/villes/{TOWN}/"),
        ("search (q=pain), new terms" if search_misses else "search (q=pain)", SEARCH),
        ("shop", f"/villes/{TOWN}/commerces/{SHOP}/"),
        ("cart (two shops)", f"/villes/{TOWN}/panier/"),
    ]


_asked = iter(range(1_000_000))
_asked_lock = threading.Lock()


def _new_search() -> str:
    """The search with a price filter never asked before: a cache miss (same hits, engine asked)."""
    with _asked_lock:
        n = next(_asked)
    return f"{SEARCH}&price=0-{10_000 + n}"


class AccessLog:
    """gunicorn's access log: the time spent in the worker per request and the search's cache
    status, read from where the previous run stopped."""

    FORMAT = "%(U)s %(D)s %({cache-status}o)s"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def skip(self) -> None:
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def read(self) -> list[tuple[str, float, str]]:
        """(path, ms in the worker, cache status) of each request since the last read."""
        time.sleep(0.3)  # gunicorn writes the line after the response
        with self.path.open() as log:
            log.seek(self.offset)
            lines = log.read().splitlines()
            self.offset = log.tell()
        rows = []
        for line in lines:
            path, micros, status = [*line.split(" ", 2), "", ""][:3]
            if micros.isdigit():
                rows.append((path, int(micros) / 1000, status))
        return rows


def _page_of(path: str) -> str:
    if "/recherche/" in path:
        return "search"
    if "/commerces/" in path:
        return "shop"
    if "/panier/" in path:
        return "cart"
    return "town"


def _percentiles(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    if not values:
        return (0.0, 0.0)
    return statistics.median(values), values[max(0, int(len(values) * 0.95) - 1)]


def _server_figures(
    base: str,
    products: list[str],
    clients: int,
    rounds: int,
    log: AccessLog,
    *,
    search_misses: bool = False,
) -> None:
    pages = _pages(search_misses=search_misses)
    times: dict[str, list[float]] = {name: [] for name, _path in pages}
    errors: list[str] = []
    lock = threading.Lock()
    visitors = []
    for _n in range(clients):
        visitor = Client(base)
        for path in products:
            visitor.add_to_cart(path)
        visitor.assert_cart_lines(len(products))
        visitors.append(visitor)
    start = threading.Barrier(clients)
    log.skip()

    def run(visitor: Client) -> None:
        start.wait()
        for _round in range(rounds):
            for name, path in pages:
                if path == SEARCH and search_misses:
                    path = _new_search()
                began = time.perf_counter()
                status, _html = visitor.request(path)
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    times[name].append(elapsed)
                    if status != 200:
                        errors.append(f"{name}: {status}")

    threads = [threading.Thread(target=run, args=(v,)) for v in visitors]
    client_cpu = time.process_time()
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    client_cpu = time.process_time() - client_cpu
    logged = log.read()
    in_worker: dict[str, list[float]] = {}
    for path, ms, _status in logged:
        in_worker.setdefault(_page_of(path), []).append(ms)
    searches = [status for path, _ms, status in logged if _page_of(path) == "search"]
    hits = sum(1 for status in searches if status.endswith("; hit"))
    total = sum(len(v) for v in times.values())
    print(
        f"\n{clients} concurrent client(s) x {rounds} rounds of the 4 pages: {total} requests in "
        f"{wall:.1f} s ({total / wall:.0f} req/s), non-200: {len(errors)}; load {_loadavg()}"
    )
    print(
        f"the clients' own CPU (this process, on the same 2 cores): "
        f"{client_cpu * 1000 / max(1, total):.1f} ms per request"
    )
    print(
        f"searches served from the cache: {hits} of {len(searches)}"
        f" ({100 * hits / max(1, len(searches)):.0f} %)"
    )
    print(
        f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   "
        f"{'in worker p50':>13} {'p95':>6}   (client-measured | gunicorn %(D)s)"
    )
    for name, values in times.items():
        values.sort()
        p95 = values[max(0, int(len(values) * 0.95) - 1)]
        worker = _percentiles(in_worker.get(_page_of(dict(pages)[name]), []))
        print(
            f"{name:34} {statistics.median(values):8.1f} {p95:8.1f} {values[-1]:8.1f}   "
            f"{worker[0]:13.1f} {worker[1]:6.1f}"
        )


def _workers_cpu_seconds(server_pid: int) -> float:
    """User + system CPU time of gunicorn's workers (the children of the arbiter), from /proc."""
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    ticks = 0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a worker recycled meanwhile
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _server_cpu(base: str, products: list[str], server_pid: int, rounds: int) -> None:
    """One client asks each page `rounds` times in a row: the workers' CPU time per request (what
    the machine's load does not change much, unlike the response times)."""
    visitor = Client(base)
    for path in products:
        visitor.add_to_cart(path)
    visitor.assert_cart_lines(len(products))
    print(f"\nServer CPU per request (gunicorn workers, 1 client, {rounds} requests per page)")
    print(f"{'page':34} {'CPU ms':>8}")
    for name, path in [*_pages(), ("search (q=pain), new terms (miss)", "")]:
        visitor.request(path or _new_search())
        began = _workers_cpu_seconds(server_pid)
        for _round in range(rounds):
            visitor.request(path or _new_search())
        spent = _workers_cpu_seconds(server_pid) - began
        print(f"{name:34} {spent * 1000 / rounds:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=25, help="rounds of the 4 pages per client")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("GUNICORN_WORKERS", "4")))
    parser.add_argument(
        "--no-browser", action="store_true", help="server figures only (no Chromium, faster)"
    )
    options = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    DATABASE.drop()
    DATABASE.admin(f'CREATE DATABASE "{DATABASE.name}"')
    server = None
    engine = bool(os.environ.get("SEARCH_URL"))
    try:
        for step in (
            ("migrate", "--noinput", "-v", "0"),
            ("load_towns", "marketplace/demo/towns.json"),
            ("collectstatic", "--noinput", "-v", "0"),
        ):
            result = _manage(*step)
            assert result.returncode == 0, result.stderr[-2000:]
        if engine:
            result = _manage("search_rebuild", TOWN)
            print(
                "search: engine,", "index built" if result.returncode == 0 else result.stderr[-300:]
            )
        else:
            print("search: database backend (SEARCH_URL unset)")
        products = _product_paths()
        port = free_port()
        env = {
            **os.environ,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(options.workers),
            "GUNICORN_LOG_LEVEL": "warning",
        }
        logs = (VAR / "server.log").open("wb")
        (VAR / "access.log").unlink(missing_ok=True)
        log = AccessLog(VAR / "access.log")
        server = subprocess.Popen(
            [
                PY,
                "-m",
                "gunicorn",
                "-c",
                "deploy/gunicorn.conf.py",
                "--access-logfile",
                str(VAR / "access.log"),
                "--access-logformat",
                AccessLog.FORMAT,
            ],
            cwd=ROOT,
            env=env,
            stdout=logs,
            stderr=logs,
        )
        port_wait(port)
        print(f"gunicorn: {options.workers} workers x 1 thread; load before: {_loadavg()}")
        if not options.no_browser:
            _browser_figures(f"http://localhost:{port}", products)
        warm = Client(f"http://127.0.0.1:{port}")
        for path in products:
            warm.add_to_cart(path)
        # Every worker warm (templates compiled, queries prepared, its own caches filled): the
        # figures are those of a running site, not of a worker's first requests.
        for _round in range(5 * options.workers):
            for _name, path in _pages():
                warm.request(path)
            warm.request(_new_search())
        _server_cpu(f"http://127.0.0.1:{port}", products, server.pid, max(options.requests, 50))
        base = f"http://127.0.0.1:{port}"
        _server_figures(base, products, 1, options.requests, log)
        _server_figures(base, products, options.clients, options.requests, log)
        print("\nThe same, each search with new terms (all cache misses):")
        _server_figures(base, products, 1, options.requests, log, search_misses=True)
        _server_figures(base, products, options.clients, options.requests, log, search_misses=True)
        print(f"\nload after: {_loadavg()} ({os.cpu_count()} cores)")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if engine:
            _drop_indices()
        from django.db import connections

        connections.close_all()
        DATABASE.drop()


def _drop_indices() -> None:
    url = os.environ["SEARCH_URL"].rstrip("/")
    prefix = os.environ["SEARCH_INDEX_PREFIX"]
    try:
        urllib.request.urlopen(
            urllib.request.Request(f"{url}/{prefix}*", method="DELETE"), timeout=10
        ).read()
    except urllib.error.URLError as error:
        print("could not delete the bench indices:", error)


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


if __name__ == "__main__":
    main()

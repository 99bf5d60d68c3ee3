"""ASGI requests built by hand, for tests that call the application directly."""


def http_scope(path, headers=(), method="GET"):
    """Return the scope of an HTTP request to ``path`` on host testserver."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

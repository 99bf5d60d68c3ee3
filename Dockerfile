# Production image: gunicorn manages uvicorn workers that serve the ASGI app,
# so reply streams are not buffered. WhiteNoise serves the collected static
# files. Configure it with the environment variables of .env.example.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000 \
    WEB_CONCURRENCY=2

RUN useradd --create-home --shell /usr/sbin/nologin helpdesk

WORKDIR /app

# Dependencies first, so that a change to the code reuses this layer. The
# project installs no package of its own (packages = []), so pyproject.toml
# is all that pip needs here.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# With DEBUG off the settings require SECRET_KEY. This one exists only during
# the build; collectstatic signs nothing with it.
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

USER helpdesk
EXPOSE 8000

# Requests /healthz, which answers 200 without touching the database. The
# Host header is the first ALLOWED_HOSTS entry, because Django rejects any
# other host with 400. /healthz is exempt from SECURE_SSL_REDIRECT, and
# X-Forwarded-Proto keeps any later redirect rule from answering 301.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import http.client, os; host = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.*') or 'localhost'; connection = http.client.HTTPConnection('127.0.0.1', int(os.environ['PORT']), timeout=4); connection.request('GET', '/healthz', headers={'Host': host, 'X-Forwarded-Proto': 'https'}); raise SystemExit(connection.getresponse().status != 200)"]

# gunicorn binds 0.0.0.0:$PORT and starts $WEB_CONCURRENCY workers when no
# --bind or --workers is given. The worker class comes from the uvicorn-worker
# package: uvicorn 0.55 deprecates its own uvicorn.workers module. --preload
# loads the app once in the master, so the workers share its modules (the
# Claude SDK alone takes about 60 MB) instead of loading a copy each. On stop
# or reload, open replies may take up to 120 s to finish: three Claude
# attempts of CLAUDE_TIMEOUT (30 s) each, and the rest of the answer.
CMD ["gunicorn", "helpdesk.asgi:application", \
     "--worker-class", "uvicorn_worker.UvicornWorker", \
     "--preload", \
     "--graceful-timeout", "120", \
     "--access-logfile", "-"]

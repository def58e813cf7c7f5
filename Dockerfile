# The hub's image: one image for every role (web, worker, migrate); the command picks the role.
#   docker build -t hub .
#   docker run -p 8000:8000 -v hub-data:/data hub hub serve --host 0.0.0.0   # all-in-one
# docker-compose.yml shows the scaled shape (PostgreSQL, Redis, two web instances, a worker).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HUB_DATA_DIR=/data

WORKDIR /src

# Dependencies first, read from pyproject.toml alone, so a change to the code reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project as a wheel: templates, static files, migrations, alembic.ini, the catalogs and the
# association's data ship inside the package, so the installed hub runs from site-packages and
# the source in /src is deleted once installed (tests/test_wheel.py checks the wheel this way).
COPY . /src
RUN pip install --no-deps /src \
    && rm -rf /src \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin hub \
    && mkdir -p /data \
    && chown hub:hub /data \
    && chmod 700 /data
WORKDIR /data

# The code stays owned by root: the hub's user may write only its data directory.
USER hub
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# A web instance; the worker runs as its own container (`hub worker`), as in docker-compose.yml.
CMD ["hub", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-worker"]

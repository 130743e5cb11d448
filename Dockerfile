# One image for all four services; the command picks the service:
#   docker run IMAGE                              -> the gateway (default)
#   docker run IMAGE python -m services.documents -> the documents service
#   docker run IMAGE countersign migrate          -> apply migrations, then exit
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, from pyproject alone, so a code change does not reinstall them.
# Every dependency ships manylinux wheels for CPython 3.11: no compiler in the image.
COPY pyproject.toml ./
RUN mkdir -p shared services \
    && touch shared/__init__.py services/__init__.py \
    && pip install . \
    && pip uninstall -y countersign \
    && rm -rf shared services build *.egg-info

COPY shared/ ./shared/
COPY services/ ./services/
# The GeoIP test database lives here; mount a real MaxMind database and set GEOIP_DB_PATH in production.
COPY deploy/ ./deploy/
# Installs the `countersign` CLI; the sources stay in /app, which is the working directory,
# so `python -m services.X` and the repo-relative defaults (deploy/geoip/...) resolve there.
RUN pip install --no-deps . && rm -rf build *.egg-info

# An unprivileged user that owns nothing but its scratch directory.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin countersign \
    && mkdir -p /app/var && chown countersign /app/var
USER countersign

EXPOSE 8080 8081 8082 8083
CMD ["python", "-m", "services.gateway"]

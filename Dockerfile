# confbot: `docker build -t confbot .` then see compose.yaml. Small (slim base, no build tools kept),
# non-root, with a health check on /healthz. Settings come from the environment (.env.example).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
RUN pip install . \
    && useradd --system --uid 10001 --no-create-home --home-dir /app confbot \
    && mkdir -p /app/var \
    && chown confbot /app/var

USER 10001
# Listen on every interface inside the container; the SQLite default lives in /app/var (mount a
# volume there), PostgreSQL is set with DATABASE_URL.
ENV HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_URL=sqlite:////app/var/confbot.db
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=2)"]
CMD ["confbot", "serve"]

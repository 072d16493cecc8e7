# Production image: one image for web, worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SMGOV_ENV=production
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-dejavu-core gettext ghostscript \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY smgov smgov
COPY platforms platforms
COPY accounts accounts
COPY archive archive
COPY registry registry
COPY moderation moderation
COPY harvest harvest
COPY reports reports
RUN pip install --no-cache-dir -c constraints.txt .
COPY . .
RUN SECRET_KEY=build-only-key-not-used-at-runtime-0123456789abcdefghijklmnop \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build \
    CREDENTIALS_KEYS=YnVpbGQtb25seS1rZXktbm90LXVzZWQtYXQtcnVudGk= \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 smgov && mkdir -p /data/media && chown smgov /data/media
USER smgov
ENV STATIC_ROOT=/app/.var/static MEDIA_ROOT=/data/media
EXPOSE 8000
CMD ["gunicorn", "smgov.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

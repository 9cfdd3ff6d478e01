# A small production image: the same install and start commands the tests run.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HOST=0.0.0.0 PORT=8000 DATA_DIR=/data

RUN useradd --create-home --uid 10001 app && mkdir -p /data && chown app /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install .

USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os,urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/readyz', timeout=4)"
# Listening on 0.0.0.0 requires Firebase auth (FIREBASE_PROJECT_ID / FIREBASE_CREDENTIALS).
CMD ["sh", "-c", "exec interviewsim serve --workers ${WEB_CONCURRENCY:-2}"]

# The services' image: one image, each Deployment picks its service with `nameko run ... services.<name>...`.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# the runtime lock only (no test or build tools), every file checked against its hash
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY shared/ shared/
COPY services/ services/
RUN useradd --uid 10001 --no-create-home pimms && find services -path '*/tests' -prune -exec rm -rf {} +
USER 10001
EXPOSE 8080
CMD ["nameko", "--help"]

FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir . && useradd --system parley && mkdir -p /var/lib/parley \
    && chown parley /var/lib/parley
USER parley
CMD ["parley", "--help"]

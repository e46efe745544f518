FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas schemas
COPY sizing sizing
COPY streams streams
COPY agents agents
COPY himari_l3 himari_l3
COPY config config
RUN pip install --no-cache-dir .
ENV HIMARI_L3_CONFIG=/app/config/layer3.yaml \
    HIMARI_L3__WORKER__METRICS_BIND=0.0.0.0 \
    HIMARI_L3__WORKER__DATA_DIR=/tmp/himari-worker
ENTRYPOINT ["himari-l3"]
CMD ["worker"]

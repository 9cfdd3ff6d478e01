"""Operations telemetry: JSON logs with request context, an access-log middleware and Prometheus metrics."""
